package rdu.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import rdu.chat.Conversation;
import rdu.chip.Chip;
import rdu.chip.ChipFile;
import rdu.generate.Generation;
import rdu.generate.Generator;
import rdu.generate.Session;
import rdu.generate.TokenListener;
import rdu.model.Checkpoint;
import rdu.report.TimingSummary;
import rdu.runtime.StepRecord;
import rdu.sampling.Sampler;
import rdu.schedule.ScheduleOptions;
import rdu.timing.TimingEngine;

/** {@code rdu chat}: a conversation with an instruct model, one user message per line of stdin. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Talks with an instruct model through its chat template: every line read from stdin is a user"
                + " message, and the model's answer, which sees the whole conversation so far, goes to stdout.",
                "The KV cache stays between turns: each turn prefills only what the conversation's new rendering does"
                        + " not share with it; a conversation longer than the model's context ends the chat with an"
                        + " error.",
                "/exit or the end of the input ends the chat; figures for each answer go to stderr."})
final class ChatCommand implements Callable<Integer> {

    static final String EXIT = "/exit";

    @Mixin
    ModelMixin model;

    @Mixin
    SystemPromptMixin system;

    @Mixin
    DecodingMixin decoding;

    @Mixin
    ChipMixin chipOptions;

    @Override
    public Integer call() {
        int maxTokens = decoding.maxTokens();
        Sampler sampler = decoding.sampler();
        Chip chip = ChipFile.load(chipOptions.chip.name);
        int chunk = chipOptions.prefill.chunk(chip);
        int sockets = chipOptions.sockets.count();
        Path modelPath = model.locate();
        PrintStream out = System.out;
        PrintStream err = System.err;
        try (Checkpoint checkpoint = Checkpoint.open(modelPath)) {
            Conversation conversation = Conversation.start(checkpoint, system.text);
            ScheduleOptions options = chipOptions.schedule.options(chip);
            ScheduleMixin.noteRoutingUnused(options, checkpoint.config().family().moe() == null
                    ? checkpoint.config().architecture() + " is a dense model"
                    : "the checkpoint's router chooses the experts each pass streams");
            var generator = new Generator(checkpoint, Generator.Setup.of(chip, options).withSockets(sockets)
                    .withPrefillChunk(chunk).withStopTokens(conversation.stopTokens()));
            TimingEngine engine = generator.timingEngine();
            Session session = generator.session();
            err.printf("chat with %s on %s; %s or the end of the input ends it%n", modelPath, chip.name(), EXIT);
            var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            boolean terminal = System.console() != null && System.console().isTerminal();
            int turn = 0;
            while (true) {
                if (terminal) {
                    out.print("> ");
                    out.flush();
                }
                String line = readLine(in);
                if (line == null || line.strip().equals(EXIT)) {
                    return 0;
                }
                if (line.isBlank()) {
                    continue;
                }
                Conversation.Prompt prompt = conversation.ask(line);
                var summary = new TimingSummary(chip.name(), 1, chip.hbmBandwidth(), engine.weightBytesPerStep(), 0);
                Generation answer = session.generate(prompt.ids(), maxTokens, sampler, new TokenListener() {
                    @Override
                    public void onToken(int index, int token, float[] logits, byte[] text) {
                        out.write(text, 0, text.length);
                        out.flush();
                    }

                    @Override
                    public void onStep(StepRecord step) {
                        summary.add(step, engine.kvBytesPerSample(step.lastPosition()));
                    }

                    @Override
                    public void onEnd(byte[] heldBack) {
                        out.write(heldBack, 0, heldBack.length);
                        out.println();
                        out.flush();
                    }
                });
                conversation.answer(new String(answer.text(), StandardCharsets.UTF_8));
                err.printf(Locale.ROOT, "turn %d: prompt %d tokens (the conversation so far), %d prefilled (the rest"
                                + " from the KV cache), answer %d tokens, stopped: %s; modeled %s: %.1f tokens/s,"
                                + " first token after %.3f ms%n", ++turn,
                        prompt.ids().length, answer.prefilledPositions(), answer.generatedIds().length,
                        answer.stopReason().words(), chip.name(),
                        summary.tokensPerSecond(), summary.timeToFirstTokenMs());
            }
        }
    }

    private static String readLine(BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the standard input", e);
        }
    }
}
