package rdu.cli;

import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** {@code --prompt-ids}, shared by the commands that take a prompt as token ids (generate, golden record and check). */
final class PromptIdsMixin {

    static final String OPTION = "--prompt-ids";

    private static final String EXPECTED = "comma-separated token ids (e.g. 1,403,407)";

    @Option(names = OPTION, paramLabel = "IDS",
            description = "A prompt as token ids, comma-separated (e.g. 1,403,407), taken as they are: no BOS is"
                    + " added. The way to prompt a model that has no tokenizer (tokenizer.json).")
    String text;

    boolean given() {
        return text != null;
    }

    /** The ids as given, checked before any model is known: at least one, each an integer. */
    int[] ids() {
        if (text.isBlank()) {
            throw new Rdu.UsageException(OPTION + ": expected " + EXPECTED + ", found an empty list");
        }
        String[] parts = text.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new Rdu.UsageException(OPTION + ": expected " + EXPECTED + ", found \"" + parts[i]
                        + "\" at position " + (i + 1));
            }
        }
        return ids;
    }

    /** The ids, each one an id of the model's vocabulary. */
    int[] ids(int vocabSize) {
        int[] ids = ids();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new Rdu.UsageException(OPTION + ": expected token ids in [0, " + vocabSize + ") (vocab_size of"
                        + " the model), found " + ids[i] + " at position " + (i + 1));
            }
        }
        return ids;
    }

    /** Ids written the way this option reads them. */
    static String join(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
