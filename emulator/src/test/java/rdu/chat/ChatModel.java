package rdu.chat;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test models for chats: stories260K-hf (its weights and real tokenizer) with a chat template written beside them. */
public final class ChatModel {

    /**
     * A template in the Llama 2 manner, in the special tokens of the stories tokenizer: every message opens with BOS,
     * an assistant's answer ends with EOS.
     */
    public static final String TEMPLATE = "{% for m in messages %}{{ bos_token + m['role'] + ': ' + m['content'] |"
            + " trim + '\\n' }}{% if m['role'] == 'assistant' %}{{ eos_token }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ bos_token + 'assistant:' }}{% endif %}";

    private ChatModel() {
    }

    public static Path stories() {
        Path model = Path.of(System.getProperty("rdu.shared"), "models/stories260K-hf");
        if (!Files.isDirectory(model)) {
            fail("missing " + model + ": these tests need ../shared beside the repository");
        }
        return model;
    }

    /** Copies stories260K-hf into {@code dir} with a tokenizer_config.json holding {@code template} and the tokens. */
    public static Path withTemplate(Path dir, String template, String eosToken) throws IOException {
        for (String file : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(stories().resolve(file), dir.resolve(file));
        }
        var config = new ObjectMapper().createObjectNode().put("chat_template", template).put("bos_token", "<s>")
                .put("eos_token", eosToken);
        Files.writeString(dir.resolve(ChatTemplate.CONFIG_FILE), config.toString());
        return dir;
    }
}
