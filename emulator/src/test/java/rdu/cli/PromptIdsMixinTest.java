package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rdu.cli.GenerateCommandTest.rdu;
import static rdu.cli.GenerateCommandTest.sharedModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.cli.GenerateCommandTest.Run;

/** {@code rdu generate --prompt-ids}: a prompt as token ids, with or without a tokenizer. */
class PromptIdsMixinTest {

    static final String ONCE_UPON_A_TIME = "1,403,407,261,378";

    @TempDir
    Path dir;

    /** The first {@code n} greedy ids llama2.c's run.c generates after "Once upon a time" (shared/golden). */
    static String goldenIds(int n) throws IOException {
        String line = Files.readAllLines(sharedModel("golden/stories260K.jsonl")).getFirst();
        JsonNode record = new ObjectMapper().readTree(line);
        assertEquals("Once upon a time", record.get("prompt").asText());
        assertEquals("[" + ONCE_UPON_A_TIME + "]", record.get("prompt_ids").toString());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(record.get("generated_ids").get(i).asText());
        }
        return String.join(",", ids);
    }

    /** stories260K-hf without its tokenizer.json: a model that runs on ids only. */
    static Path withoutTokenizer(Path dir) throws IOException {
        Path model = sharedModel("models/stories260K-hf");
        for (String file : List.of("config.json", "generation_config.json", "model.safetensors")) {
            Files.copy(model.resolve(file), dir.resolve(file));
        }
        return dir;
    }

    @Test
    void idsWithATokenizerPrintTheTextThenTheGeneratedIds() throws IOException {
        Run run = rdu("generate", "--model", sharedModel("models/stories260K-hf").toString(), "--prompt-ids",
                ONCE_UPON_A_TIME, "--max-tokens", "12");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("Once upon a time, there was a little girl named Lily. She\ngenerated ids: " + goldenIds(12)
                + "\n", run.stdout());
    }

    @Test
    void aModelWithoutTokenizerRunsOnIdsAndPrintsOnlyThem() throws IOException {
        String model = withoutTokenizer(dir).toString();
        Run run = rdu("generate", "--model", model, "--prompt-ids", " 1, 403,407 ,261,378", "--max-tokens", "8");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("generated ids: " + goldenIds(8) + "\n", run.stdout());
        assertTrue(run.stderr().contains("prompt 5 tokens, generated 8 tokens"), run.stderr());

        Run text = rdu("generate", "--model", model, "--max-tokens", "8");
        assertEquals(1, text.exitCode(), text.stderr());
        assertEquals("rdu: error: " + dir.resolve("tokenizer.json") + ": file not found, so the prompt cannot be text:"
                + " give it as token ids\n", text.stderr().lines().reduce((a, b) -> b).orElse("") + "\n");
        assertEquals("", text.stdout());
    }

    @Test
    void badIdsAreOneLineNamingTheOption() {
        String model = sharedModel("models/stories260K-hf").toString();
        String[][] cases = {
            {"--prompt-ids", ""},
            {"--prompt-ids", "1,x,3"},
            {"--prompt-ids", "1,,3"},
            {"--prompt-ids", "1,99999999999"},
            {"--prompt-ids", "1,600"},
            {"--prompt-ids", "-1"},
            {"--prompt-ids", "1", "--prompt", "Hi"},
            {"--prompt-ids", "1", "--chat"},
            {"--system", "Be brief."},
        };
        String[] expected = {
            "--prompt-ids: expected comma-separated token ids (e.g. 1,403,407), found an empty list",
            "--prompt-ids: expected comma-separated token ids (e.g. 1,403,407), found \"x\" at position 2",
            "--prompt-ids: expected comma-separated token ids (e.g. 1,403,407), found \"\" at position 2",
            "--prompt-ids: expected comma-separated token ids (e.g. 1,403,407), found \"99999999999\" at position 2",
            "--prompt-ids: expected token ids in [0, 512) (vocab_size of the model), found 600 at position 2",
            "--prompt-ids: expected token ids in [0, 512) (vocab_size of the model), found -1 at position 1",
            "--prompt and --prompt-ids both give the prompt: give one",
            "--chat writes the text of --prompt into the chat template; --prompt-ids gives ids as they are: give"
                    + " --prompt",
            "--system is the system message of a conversation: it needs --chat",
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("generate", "--model", model, "--max-tokens", "2"));
            args.addAll(List.of(cases[i]));
            Run run = rdu(args.toArray(String[]::new));
            assertEquals(1, run.exitCode(), String.join(" ", cases[i]) + ": " + run.stderr());
            assertEquals("rdu: error: " + expected[i], run.stderr().lines().reduce((a, b) -> b).orElse(""));
            assertEquals("", run.stdout(), "nothing echoed");
        }
    }
}
