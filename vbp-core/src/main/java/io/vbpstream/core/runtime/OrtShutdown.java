package io.vbpstream.core.runtime;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops inference before the JVM's shutdown hooks run. ONNX Runtime's Java API releases its native environment in a
 * shutdown hook of its own, and the JVM runs all hooks at once: a session still running on another thread (a
 * collector's batch, a pruner's validation gate) then dies in native code and takes the JVM with it (SIGSEGV in
 * libonnxruntime, an {@code hs_err} file, exit status 134). A service that runs inference installs this in place of
 * the JVM's default SIGTERM and SIGINT handling: on the first signal it stops every thread that runs ONNX Runtime
 * ({@code stopInference}, bounded by its own timeouts) and only then starts the normal exit ({@code exit}, which runs
 * the hooks). Further signals while it stops are ignored.
 */
public final class OrtShutdown {

    private static final AtomicBoolean STOPPING = new AtomicBoolean();

    private OrtShutdown() {
    }

    /** Replaces the SIGTERM and SIGINT handlers; call once, from a service's start-up. */
    public static void install(Runnable stopInference, Runnable exit) {
        for (String name : new String[]{"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                if (STOPPING.compareAndSet(false, true)) {
                    Thread t = new Thread(() -> {
                        try {
                            stopInference.run();
                        } finally {
                            exit.run();
                        }
                    }, "vbp-stop-inference");
                    t.start();
                }
            });
        }
    }
}
