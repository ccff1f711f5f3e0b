package rdu.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import rdu.tensor.DType;
import rdu.tensor.Tensor;
import rdu.tensor.TestTensors;

class EmbeddingTest {

    @Test
    void returnsTheWidenedRow() {
        Random random = new Random(18);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int dim : new int[] {1, 7, 67, 1003}) {
                int vocab = 5;
                Tensor table = TestTensors.of("tok_embeddings", dtype, new long[] {vocab, dim},
                        TestTensors.randomFloats(random, vocab * dim), 2);
                float[] all = TestTensors.values(table);
                for (int token = 0; token < vocab; token++) {
                    float[] out = new float[dim];
                    Embedding.lookup(table, token, out, 1);
                    assertArrayEquals(Arrays.copyOfRange(all, token * dim, (token + 1) * dim), out,
                            dtype + " dim " + dim + " token " + token);
                }
            }
        }
    }

    @Test
    void scalesTheRowAndAddsAPositionRow() {
        Random random = new Random(19);
        Tensor table = TestTensors.of("wte", DType.BF16, new long[] {3, 37}, TestTensors.randomFloats(random, 111), 0);
        float[] all = TestTensors.values(table);
        float[] scaled = new float[37];
        Embedding.lookup(table, 2, scaled, 8);
        float[] sum = TestTensors.randomFloats(random, 37);
        float[] before = sum.clone();
        Embedding.add(table, 1, sum);
        for (int j = 0; j < 37; j++) {
            assertEquals(all[2 * 37 + j] * 8, scaled[j], 0, "scaled " + j);
            assertEquals(before[j] + all[37 + j], sum[j], 0, "added " + j);
        }
    }

    @Test
    void tokenOutsideVocabularyIsNamed() {
        Tensor table = TestTensors.of("tok_embeddings", DType.F32, new long[] {512, 4}, new float[2048], 0);
        for (int token : new int[] {512, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Embedding.lookup(table, token, new float[4], 1));
            assertTrue(e.getMessage().contains("token " + token) && e.getMessage().contains("512"), e.getMessage());
        }
    }
}
