package rdu.golden;

import rdu.tokenizer.StreamingDecoder;
import rdu.tokenizer.Tokenizer;

/** The tokenizer of a checkpoint that has none (the reference families' tiny ones): ids in, no text out. */
record IdsOnlyTokenizer(int vocabSize) implements Tokenizer {

    @Override
    public int[] encode(String text) {
        throw new UnsupportedOperationException("this checkpoint has no tokenizer: give token ids, not text");
    }

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
