package rdu.parallel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The host's cores as one fixed pool of daemon threads, created once. {@link #parallelFor} splits a range
 * into contiguous chunks; the caller and the pool threads claim chunks until none are left, so a call made
 * from inside a pool thread cannot deadlock waiting for chunks nobody will start.
 */
public final class HostPool {

    /** A piece of work over the index range [start, end). */
    @FunctionalInterface
    public interface Body {
        void run(int start, int end);
    }

    public static final int THREADS = Runtime.getRuntime().availableProcessors();

    private static final ExecutorService POOL =
            Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().name("rdu-host-", 0).daemon().factory());

    private HostPool() {
    }

    /**
     * Runs body over [0, n) in at most THREADS contiguous chunks, one of them on the calling thread, and
     * returns when all are done. The first exception thrown by any chunk is rethrown here.
     */
    public static void parallelFor(int n, Body body) {
        if (n < 0) {
            throw new IllegalArgumentException("parallelFor: n must be >= 0, found " + n);
        }
        int chunks = Math.min(THREADS, n);
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        Job job = new Job(n, chunks, body);
        for (int i = 1; i < chunks; i++) {
            POOL.execute(job::work);
        }
        job.work();
        job.await();
    }

    private static final class Job {
        private final int n;
        private final int chunks;
        private final Body body;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int n, int chunks, Body body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
            this.done = new CountDownLatch(chunks);
        }

        void work() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    body.run(bound(c), bound(c + 1));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        }

        private int bound(int chunk) {
            return (int) ((long) n * chunk / chunks);
        }

        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    // The chunks still read the caller's arrays: wait for them, then restore the interrupt.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            switch (failure.get()) {
                case null -> { }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                case Throwable t -> throw new IllegalStateException("parallelFor chunk failed", t);
            }
        }
    }
}
