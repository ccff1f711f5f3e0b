package rdu.tokenizer;

/**
 * Text to token ids and back, for a model's vocabulary.
 * Two implementations: Hugging Face tokenizer.json (through DJL) and llama2.c tokenizer.bin.
 */
public interface Tokenizer extends AutoCloseable {

    int vocabSize();

    /**
     * Encodes a prompt the way the model was trained: BOS first (and, for SentencePiece, a dummy-prefix space).
     * Text the tokenizer cannot encode is a {@link rdu.model.CheckpointException} naming the tokenizer and the text.
     */
    int[] encode(String text);

    /** The UTF-8 bytes that the tokens after {@code context} add to the text (special tokens produce nothing). */
    byte[] decode(int[] context, int[] ids);

    /** A streaming decoder that continues the text after {@code context} (usually the prompt ids). */
    StreamingDecoder streamAfter(int[] context);

    @Override
    void close();
}
