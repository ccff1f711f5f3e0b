package rdu.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import rdu.chat.ChatModel;
import rdu.chat.Conversation;
import rdu.chip.ChipFile;
import rdu.model.Checkpoint;
import rdu.runtime.GenerationException;
import rdu.runtime.StepRecord;
import rdu.runtime.StopReason;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.timing.Pass;

/** A conversation on one KV cache: the tokens of a fresh prefill every turn, for the cost of the new positions. */
class SessionTest {

    private static final String[] QUESTIONS = {"Once upon a time", "The dog", "Lily was sad"};
    private static final int MAX_TOKENS = 9;

    @TempDir
    Path dir;

    /**
     * The stories template writes an answer back trimmed and followed by EOS, which the model never fed; the
     * upper-casing one writes it back as other tokens, so the cache rolls back to before the answer. Either way each
     * turn gives the tokens of a fresh prefill, and prefills (and is timed for) only the prompt's positions past the
     * longest common prefix with the ids cached: the last turn's prompt and its answer but the last token (never
     * fed), as every turn stops at max tokens.
     */
    @ParameterizedTest
    @ValueSource(strings = {ChatModel.TEMPLATE, "{% for m in messages %}{{ bos_token + m['role'] + ': '"
            + " + m['content'] | upper + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}"
            + "{% endif %}"})
    void eachTurnGivesTheTokensOfAFreshPrefillAndPrefillsOnlyWhatTheCacheLacks(String template) throws IOException {
        Path model = ChatModel.withTemplate(dir, template, "</s>");
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            var generator = new Generator(checkpoint,
                    Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults()).withPrefillChunk(4));
            Session session = generator.session();
            Conversation conversation = Conversation.start(checkpoint, "Tell stories.");
            var freshSampler = new Sampler(0.8f, 0, 1, 7);
            var sessionSampler = new Sampler(0.8f, 0, 1, 7);
            int[] fedSoFar = new int[0];
            for (String question : QUESTIONS) {
                int[] prompt = conversation.ask(question).ids();
                Generation fresh = generator.generate(prompt, MAX_TOKENS, freshSampler, (i, t, l, b) -> { });
                var prefilled = new ArrayList<Pass>();
                Generation reused = session.generate(prompt, MAX_TOKENS, sessionSampler, new TokenListener() {
                    @Override
                    public void onToken(int index, int token, float[] logits, byte[] text) {
                    }

                    @Override
                    public void onStep(StepRecord step) {
                        step.step().passes().stream().filter(p -> p.phase() == Pass.Phase.PREFILL)
                                .forEach(prefilled::add);
                    }
                });
                assertArrayEquals(fresh.generatedIds(), reused.generatedIds(), "turn of " + question);
                assertEquals(StopReason.MAX_TOKENS, reused.stopReason(), "the test's turns stop at max tokens");

                int common = commonPrefix(fedSoFar, prompt);
                assertEquals(prompt.length - common, reused.prefilledPositions(), "turn of " + question);
                assertEquals(prompt.length - common, prefilled.stream().mapToInt(Pass::positions).sum(),
                        "positions timed as prefill, turn of " + question);
                assertEquals(common, prefilled.getFirst().position(), "the prefill starts past the common prefix");
                fedSoFar = concat(prompt, Arrays.copyOf(reused.generatedIds(), MAX_TOKENS - 1));
                conversation.answer(new String(reused.text(), StandardCharsets.UTF_8));
            }
            assertTrue(fedSoFar.length > 2 * MAX_TOKENS, "three turns ran");
        }
    }

    @Test
    void aConversationThatOutgrowsTheContextIsAOneLineError() throws IOException {
        Path model = ChatModel.withTemplate(dir, ChatModel.TEMPLATE, "</s>");
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(model.resolve("config.json").toFile());
        config.put("max_position_embeddings", 40);
        new ObjectMapper().writeValue(model.resolve("config.json").toFile(), config);
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            Session session = new Generator(checkpoint,
                    Generator.Setup.of(ChipFile.load(ChipFile.DEFAULT), ScheduleOptions.defaults())).session();
            Conversation conversation = Conversation.start(checkpoint, null);
            Sampler greedy = new Sampler(0, 0, 1, 1);
            Generation first = session.generate(conversation.ask("Once upon a time").ids(), 100, greedy,
                    (i, t, l, b) -> { });
            assertEquals(StopReason.CONTEXT_FULL, first.stopReason());
            conversation.answer(new String(first.text(), StandardCharsets.UTF_8));
            int[] second = conversation.ask("The dog").ids();
            var e = assertThrows(GenerationException.class,
                    () -> session.generate(second, 100, greedy, (i, t, l, b) -> { }));
            assertEquals("the conversation is now " + second.length + " tokens, more than the model's context of 40"
                    + " (max_position_embeddings): start a new chat", e.getMessage());
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) {
            i++;
        }
        return Math.min(i, b.length - 1);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
