package rdu.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HostPoolTest {

    @Test
    void everyIndexRunsExactlyOnceInContiguousChunks() {
        for (int n : new int[] {0, 1, 2, 3, 7, 1000, 1003}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            HostPool.parallelFor(n, (start, end) -> {
                assertTrue(0 <= start && start <= end && end <= n, start + ".." + end);
                for (int i = start; i < end; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "n=" + n + " index " + i);
            }
        }
    }

    @Test
    @Timeout(30)
    void chunksRunConcurrentlyOnPoolThreads() throws InterruptedException {
        assumeTrue(HostPool.THREADS >= 2, "one core: nothing to run concurrently");
        // Each chunk waits until two chunks are running at once: only true parallelism passes.
        CountDownLatch bothRunning = new CountDownLatch(2);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        HostPool.parallelFor(2, (start, end) -> {
            threads.add(Thread.currentThread());
            bothRunning.countDown();
            try {
                assertTrue(bothRunning.await(20, TimeUnit.SECONDS), "second chunk never started");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(2, threads.size());
        assertTrue(threads.contains(Thread.currentThread()), "the caller runs a chunk itself");
    }

    @Test
    void workerExceptionReachesTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom in last chunk");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> HostPool.parallelFor(1000, (start, end) -> {
                    if (end == 1000) {
                        throw boom;
                    }
                }));
        assertSame(boom, thrown);
    }

    @Test
    @Timeout(30)
    void nestedCallsFromPoolThreadsComplete() {
        AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
        HostPool.parallelFor(64, (start, end) -> {
            for (int row = start; row < end; row++) {
                int r = row;
                HostPool.parallelFor(64, (s, e) -> {
                    for (int c = s; c < e; c++) {
                        hits.incrementAndGet(r * 64 + c);
                    }
                });
            }
        });
        for (int i = 0; i < hits.length(); i++) {
            assertEquals(1, hits.get(i), "index " + i);
        }
    }

    @Test
    void negativeRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> HostPool.parallelFor(-1, (start, end) -> { }));
    }
}
