package rdu.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import rdu.timing.Pass;
import rdu.timing.StepTiming;
import rdu.timing.TimingEngine;

/**
 * The one decode loop: {@code rdu generate}, {@code rdu simulate}, the golden suites and the benchmarks all run a
 * request through it. A step is whatever the {@link Decoder} runs (a prefill of the prompt, a one-position decode,
 * or k draft passes and a verify pass) and commits one or more tokens. The loop owns the request: its limits (max
 * tokens, the context, stop tokens), the order of callbacks, and the timing, which books each pass on the engine of
 * the model that ran it.
 *
 * <p>The context: a step feeds position {@code length - 1} (the last token is not cached yet), so a request can grow
 * to one token more than the model's positions; the token chosen at the last position is never fed. Plain and
 * speculative decoding therefore stop at the same token.
 */
public final class StepLoop {

    /**
     * The timing side of a run: the target's engine and, with a draft model, the draft's (both on one socket).
     * ScheduleOffloading ({@code offloadSteps} M > 1) lets the AGCU run M steps, every pass of them, with no host
     * round trip: the host takes over at the first pass of every M-th step. Without it (M = 1) the host drives every
     * pass, each draft decode included.
     */
    public record Timing(TimingEngine target, TimingEngine draft, int offloadSteps, boolean traced) {

        boolean hostTakesOver(int step, int pass) {
            return offloadSteps == 1 || (pass == 0 && step % offloadSteps == 0);
        }

        TimingEngine engineOf(Pass pass) {
            if (pass.phase() != Pass.Phase.DRAFT) {
                return target;
            }
            if (draft == null) {
                throw new IllegalStateException("a draft pass in a run with no draft model to time it");
            }
            return draft;
        }
    }

    /**
     * What a request produced.
     *
     * @param generated the committed tokens (stop token excluded); -1s in a timing-only run
     * @param hostNanos wall-clock time of all steps on the host, timing model included
     * @param timingNanos the part of hostNanos spent in the timing model
     */
    public record Outcome(int[] generated, StopReason stopReason, int steps, long hostNanos, long timingNanos) {
    }

    private StepLoop() {
    }

    /**
     * Runs a request to its end.
     *
     * @param prompt     the request's tokens so far (at least one, at most {@code positions})
     * @param positions  the model's context: positions 0 .. positions-1 can be fed
     * @param stopTokens committed tokens that end the request
     * @param timing     the engines to time each pass on, or null to run untimed
     */
    public static Outcome run(int[] prompt, int maxTokens, int positions, Set<Integer> stopTokens, Decoder decoder,
                              Timing timing, StepListener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a request needs at least one token (BOS)");
        }
        if (prompt.length > positions) {
            throw new IllegalArgumentException("the prompt is " + prompt.length + " tokens but the model's context is "
                    + positions + " positions");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must be >= 0, found " + maxTokens);
        }
        if (timing != null) {
            timing.target().reset(); // resets the socket the draft shares too
        }
        // the sequence grows as tokens come: nothing is sized by max tokens, which may be two billion
        int[] context = Arrays.copyOf(prompt, prompt.length + Math.min(maxTokens, 64));
        int length = prompt.length;
        int count = 0;
        int steps = 0;
        long hostNanos = 0;
        long timingNanos = 0;
        double now = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (count < maxTokens) {
            if (length > positions) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            int room = (int) Math.min(maxTokens - count, positions + 1L - length);
            long start = System.nanoTime();
            Step step = decoder.next(context, length, room);
            if (step.committed().length > room) {
                throw new IllegalStateException("a step committed " + step.committed().length + " tokens with room for "
                        + room);
            }
            long timed = System.nanoTime();
            List<StepTiming> timings = new ArrayList<>();
            if (timing != null) {
                for (int p = 0; p < step.passes().size(); p++) {
                    Pass pass = step.passes().get(p);
                    StepTiming t = timing.engineOf(pass).pass(steps, pass, timing.hostTakesOver(steps, p), now,
                            timing.traced());
                    now = t.endNs();
                    timings.add(t);
                }
            }
            long end = System.nanoTime();
            hostNanos += end - start;
            timingNanos += end - timed;
            listener.onStep(new StepRecord(steps, step, timings, count, end - start));
            steps++;
            for (int i = 0; i < step.committed().length; i++) {
                int token = step.committed()[i];
                float[] logits = step.logits() == null ? null : step.logits()[i];
                if (stopTokens.contains(token)) {
                    listener.onStopToken(token, logits);
                    reason = StopReason.STOP_TOKEN;
                    break;
                }
                if (length == context.length) {
                    context = Arrays.copyOf(context, (int) Math.min(Integer.MAX_VALUE - 8, 2L * length));
                }
                context[length++] = token;
                listener.onToken(count++, token, logits);
            }
            if (reason == StopReason.STOP_TOKEN) {
                break;
            }
        }
        return new Outcome(Arrays.copyOfRange(context, prompt.length, length), reason, steps, hostNanos, timingNanos);
    }
}
