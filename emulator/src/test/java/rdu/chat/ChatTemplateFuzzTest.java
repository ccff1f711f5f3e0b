package rdu.chat;

import static rdu.model.OneLineError.assertReturnsOrRefuses;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;

/**
 * Any bytes as tokenizer_config.json: a template that renders a conversation, or one line. The corpus
 * (ChatTemplateFuzzTestInputs) holds the Llama 3, Qwen2 and Gemma templates of ChatTemplateTest;
 * {@code scripts/fuzz chat-template} looks for more.
 */
class ChatTemplateFuzzTest {

    static final List<Message> CONVERSATION = List.of(Message.system("Be brief."), Message.user("Hi"),
            Message.assistant("Hello!"), Message.user("How are you?"));

    @TempDir
    Path dir;

    @FuzzTest
    @Timeout(10)
    void renderAnyTokenizerConfig(byte[] bytes) throws IOException {
        Files.write(dir.resolve(ChatTemplate.CONFIG_FILE), bytes);
        assertReturnsOrRefuses(CheckpointException.class, bytes,
                () -> ChatTemplate.beside(dir).render(CONVERSATION, true));
    }
}
