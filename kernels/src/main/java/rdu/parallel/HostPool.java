package rdu.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The host's cores as one fixed set of daemon worker threads, created once. {@link #parallelFor} splits a range into
 * contiguous chunks; the caller and the workers claim chunks until none are left. Decode issues a large product every
 * few hundred microseconds, while waking a parked thread costs tens of microseconds on a VM, so idle workers spin
 * briefly before parking and the caller spins for the last chunk: handing work over through a queue and a latch left
 * two-thread decode streaming weights at ~10% less bandwidth. A call made from a worker, or while another thread is
 * using the pool, runs on the calling thread, so nothing can deadlock.
 */
public final class HostPool {

    /** A piece of work over the index range [start, end). */
    @FunctionalInterface
    public interface Body {
        void run(int start, int end);
    }

    public static final int THREADS = Runtime.getRuntime().availableProcessors();

    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private static final ReentrantLock OWNER = new ReentrantLock();
    private static final List<Worker> WORKERS = startWorkers();
    private static volatile Job current;

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
        boolean nested = Thread.currentThread() instanceof Worker || OWNER.isHeldByCurrentThread();
        if (chunks <= 1 || nested || !OWNER.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            Job job = new Job(n, chunks, body);
            current = job;
            for (Worker worker : WORKERS) {
                LockSupport.unpark(worker);
            }
            job.work();
            job.awaitDone();
            current = null;
            job.rethrow();
        } finally {
            OWNER.unlock();
        }
    }

    private static List<Worker> startWorkers() {
        List<Worker> workers = new ArrayList<>();
        for (int i = 1; i < THREADS; i++) {
            Worker worker = new Worker("rdu-host-" + i);
            worker.start();
            workers.add(worker);
        }
        return workers;
    }

    /** A pool thread: takes each new job once, spins a while for the next one, then parks. */
    private static final class Worker extends Thread {

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            long idleSince = System.nanoTime();
            while (true) {
                Job job = current;
                if (job != null && job != last) {
                    last = job;
                    job.work();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    private static final class Job {
        private final int n;
        private final int chunks;
        private final Body body;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger remaining;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int n, int chunks, Body body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
            this.remaining = new AtomicInteger(chunks);
        }

        void work() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    body.run(bound(c), bound(c + 1));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    remaining.decrementAndGet();
                }
            }
        }

        private int bound(int chunk) {
            return (int) ((long) n * chunk / chunks);
        }

        /** The chunks still running read the caller's arrays: the caller waits for them, spinning (they are short). */
        void awaitDone() {
            while (remaining.get() > 0) {
                Thread.onSpinWait();
            }
        }

        void rethrow() {
            switch (failure.get()) {
                case null -> { }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                case Throwable t -> throw new IllegalStateException("parallelFor chunk failed", t);
            }
        }
    }
}
