package io.vbpstream.pruner.prune;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One thread with a 64 MiB stack that runs ONNX Runtime graph work for its callers. On a DeiT-Base-sized graph that
 * work overflowed a default 1 MiB thread stack: a SIGSEGV that takes the whole process down, not an exception.
 */
final class LargeStackWorker {

    private final ExecutorService thread;

    LargeStackWorker(String name) {
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, name, 64L << 20));
    }

    /** Runs {@code task} on the worker and waits; its runtime exceptions and errors reach the caller unchanged. */
    <T> T call(Callable<T> task) {
        try {
            return thread.submit(task).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err; // an OutOfMemoryError is the caller's death too, not a failed step (VitalThreads)
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Takes no more work and waits up to {@code timeout} for the running task; true if none is left running. */
    boolean stop(java.time.Duration timeout) {
        thread.shutdown();
        try {
            return thread.awaitTermination(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
