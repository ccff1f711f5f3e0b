package rdu.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rdu.cli.GenerateCommandTest.rdu;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.chat.ChatModel;
import rdu.cli.GenerateCommandTest.Run;
import rdu.tokenizer.HfTokenizer;

/** {@code rdu chat} and {@code rdu generate --chat} over the real stories tokenizer with a chat template beside it. */
class ChatCommandTest {

    @TempDir
    Path dir;

    static Run chat(String stdin, String... args) {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            String[] all = new String[args.length + 1];
            all[0] = "chat";
            System.arraycopy(args, 0, all, 1, args.length);
            return rdu(all);
        } finally {
            System.setIn(saved);
        }
    }

    /**
     * Each turn's prompt is the whole conversation: the second one holds the first question and the answer the model
     * gave (as the template writes it back, trimmed), which the test reads from stdout.
     */
    @Test
    void theHistoryGrowsAcrossTurnsUntilExit() throws IOException {
        Path model = ChatModel.withTemplate(dir, ChatModel.TEMPLATE, "</s>");
        Run run = chat("Once upon a time\n\nThe dog\n/exit\nnever read\n", "--model", model.toString(), "--system",
                "Tell stories.", "--max-tokens", "10");
        assertEquals(0, run.exitCode(), run.stderr());
        List<String> answers = run.stdout().lines().toList();
        assertEquals(2, answers.size(), "one answer per question, a blank line is no question: " + run.stdout());
        String first = "<s>system: Tell stories.\n<s>user: Once upon a time\n<s>assistant:";
        String second = first + " " + answers.get(0).strip() + "\n</s><s>user: The dog\n<s>assistant:";
        try (HfTokenizer tokenizer = HfTokenizer.open(model.resolve("tokenizer.json"), 512)) {
            assertEquals(List.of(tokenizer.encodeAsIs(first).length, tokenizer.encodeAsIs(second).length),
                    promptLengths(run.stderr()), run.stderr());
        }
        assertTrue(run.stderr().contains("turn 2: prompt") && !run.stderr().contains("turn 3"), run.stderr());
    }

    /**
     * The second turn prefills only the prompt's positions past the longest common prefix with what the cache holds
     * (the first prompt and its answer but the last token, never fed, as the turn stops at max tokens), and answers as
     * {@code generate} does from a fresh prefill of the same ids.
     */
    @Test
    void theSecondTurnPrefillsOnlyWhatTheCacheLacksAndAnswersAsAFreshPrefill() throws IOException {
        Path model = ChatModel.withTemplate(dir, ChatModel.TEMPLATE, "</s>");
        Run run = chat("Once upon a time\nThe dog\n", "--model", model.toString(), "--system", "Tell stories.",
                "--max-tokens", "10");
        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("turn 1: prompt") && run.stderr().contains("stopped: max tokens"),
                "the first answer must stop at max tokens: " + run.stderr());
        List<String> answers = run.stdout().lines().toList();
        String first = "<s>system: Tell stories.\n<s>user: Once upon a time\n<s>assistant:";
        String second = first + " " + answers.get(0).strip() + "\n</s><s>user: The dog\n<s>assistant:";
        try (HfTokenizer tokenizer = HfTokenizer.open(model.resolve("tokenizer.json"), 512)) {
            int[] firstIds = tokenizer.encodeAsIs(first);
            int[] secondIds = tokenizer.encodeAsIs(second);
            Run firstFresh = fresh(model, firstIds);
            Run secondFresh = fresh(model, secondIds);
            assertEquals(answers.get(1), secondFresh.stdout().lines().findFirst().orElseThrow());

            int[] generated = idsLine(firstFresh.stdout());
            int[] cached = IntStream.concat(IntStream.of(firstIds), IntStream.of(generated).limit(generated.length - 1))
                    .toArray();
            int common = 0;
            while (common < cached.length && cached[common] == secondIds[common]) {
                common++;
            }
            assertEquals(List.of(firstIds.length, secondIds.length - common), prefilled(run.stderr()), run.stderr());
        }
    }

    private static Run fresh(Path model, int[] ids) {
        Run run = rdu("generate", "--model", model.toString(), "--no-echo", "--max-tokens", "10", "--prompt-ids",
                IntStream.of(ids).mapToObj(String::valueOf).collect(Collectors.joining(",")));
        assertEquals(0, run.exitCode(), run.stderr());
        return run;
    }

    private static int[] idsLine(String stdout) {
        String line = stdout.lines().filter(l -> l.startsWith("generated ids: ")).findFirst().orElseThrow();
        return Arrays.stream(line.substring("generated ids: ".length()).split(",")).mapToInt(Integer::parseInt)
                .toArray();
    }

    private static List<Integer> prefilled(String stderr) {
        Matcher m = Pattern.compile("turn \\d+: prompt \\d+ tokens \\(the conversation so far\\), (\\d+) prefilled")
                .matcher(stderr);
        return m.results().map(r -> Integer.parseInt(r.group(1))).toList();
    }

    @Test
    void generateChatEchoesTheRenderedConversationAndAnswersAsTheChatsFirstTurn() throws IOException {
        Path model = ChatModel.withTemplate(dir, ChatModel.TEMPLATE, "</s>");
        Run generate = rdu("generate", "--model", model.toString(), "--chat", "--system", "Tell stories.", "--prompt",
                "Once upon a time", "--max-tokens", "10");
        assertEquals(0, generate.exitCode(), generate.stderr());
        Run chat = chat("Once upon a time\n", "--model", model.toString(), "--system", "Tell stories.", "--max-tokens",
                "10");
        assertEquals("<s>system: Tell stories.\n<s>user: Once upon a time\n<s>assistant:" + chat.stdout(),
                generate.stdout());
    }

    @Test
    void aModelWithoutChatTemplateOrATemplateRefusalIsOneLine() throws IOException {
        String stories = ChatModel.stories().toString();
        String expected = "rdu: error: " + ChatModel.stories().resolve("tokenizer_config.json") + ": chat_template:"
                + " expected a Jinja chat template (instruct checkpoints have one), found none";
        assertEquals(expected, lastLine(rdu("generate", "--model", stories, "--chat", "--prompt", "Hi")));
        assertEquals(expected, lastLine(chat("Hi\n", "--model", stories)));

        Path model = ChatModel.withTemplate(dir, "{% if messages[0]['role'] == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}", "</s>");
        Run refused = chat("Hi\n", "--model", model.toString(), "--system", "Be brief.");
        assertEquals(1, refused.exitCode());
        assertEquals("rdu: error: " + model.resolve("tokenizer_config.json") + ": chat_template refuses the"
                + " conversation: System role not supported", lastLine(refused));
        assertEquals("", refused.stdout());
    }

    private static String lastLine(Run run) {
        return run.stderr().lines().reduce((a, b) -> b).orElse("");
    }

    private static List<Integer> promptLengths(String stderr) {
        Matcher m = Pattern.compile("turn \\d+: prompt (\\d+) tokens").matcher(stderr);
        return m.results().map(r -> Integer.parseInt(r.group(1))).toList();
    }
}
