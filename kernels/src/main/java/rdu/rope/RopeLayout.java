package rdu.rope;

/**
 * How the two halves of each rotated pair sit inside a head of q and k.
 * Both rotate the same pairs by the same angles; checkpoints differ only in row order of wq and wk.
 */
public enum RopeLayout {
    /** llama2.c / Meta original: pair i is elements (2i, 2i+1) of the head. */
    INTERLEAVED,
    /** Hugging Face rotate_half: pair i is elements (i, i + headDim/2) of the head. */
    HALF
}
