package rdu.tokenizer;

import java.nio.file.Path;
import rdu.model.CheckpointException;

/**
 * The tokenizer of a model that has none (a checkpoint without tokenizer.json, e.g. a test model): it runs on prompts
 * given as token ids, and its generated ids have no text.
 *
 * @param file the tokenizer file that is missing, for the error a text prompt gets
 */
public record MissingTokenizer(Path file, int vocabSize) implements Tokenizer {

    @Override
    public int[] encode(String text) {
        throw new CheckpointException(file, "file not found, so the prompt cannot be text: give it as token ids");
    }

    /** No text: the ids are all there is. */
    @Override
    public byte[] decode(int[] context, int[] ids) {
        return new byte[0];
    }

    @Override
    public StreamingDecoder streamAfter(int[] context) {
        return new StreamingDecoder() {
            @Override
            public byte[] next(int id) {
                return new byte[0];
            }

            @Override
            public byte[] finish() {
                return new byte[0];
            }
        };
    }

    @Override
    public void close() {
    }
}
