package io.vbpstream.platform;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The process's record of vital threads that died. A thread without which a service stops doing its job (the
 * collector's loop, the pruner's followers and checks) reports here any {@link Error} (an {@link OutOfMemoryError}
 * above all) or other throwable that ends it; every service's liveness check is DOWN while this holds anything, so
 * the orchestrator restarts the process rather than leave it UP and idle. A dead thread is never resurrected: after an
 * {@code Error} the heap and the thread's state cannot be trusted.
 */
public final class VitalThreads {

    // java.util.logging: Quarkus routes it into its own log, and vbp-platform has no logging library of its own
    private static final Logger LOG = Logger.getLogger(VitalThreads.class.getName());
    private static final Map<String, String> FAILED = new ConcurrentHashMap<>();

    private VitalThreads() {
    }

    /** Records that {@code thread} died of {@code cause}, and logs it as an error with what it means. */
    public static void failed(String thread, Throwable cause) {
        String what = cause.getClass().getName() + ": " + cause.getMessage();
        FAILED.putIfAbsent(thread, what);
        LOG.log(Level.SEVERE, "vital thread " + thread + " died (" + what + "); liveness is DOWN until the process is "
                + "restarted" + (cause instanceof OutOfMemoryError
                ? " (give it a larger heap: -Xmx, or the container's memory limit)" : ""), cause);
    }

    /**
     * {@code body} guarded: any {@link Error} escaping it is recorded under {@code thread} and rethrown, so the
     * thread still ends as it would have.
     */
    public static Runnable guard(String thread, Runnable body) {
        return () -> {
            try {
                body.run();
            } catch (Error e) {
                failed(thread, e);
                throw e;
            }
        };
    }

    /** The dead vital threads and what they died of, by name; empty while all is well. */
    public static Map<String, String> failures() {
        return new TreeMap<>(FAILED);
    }

    /** For tests in one JVM: forgets every failure. */
    public static void reset() {
        FAILED.clear();
    }
}
