package io.vbpstream.core.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * The process-wide ONNX Runtime environment. Sessions share one global intra-op thread pool: several sessions with
 * their own pools keep spinning each other's threads and slow everything down on a small machine.
 *
 * <p>The pool size comes from the {@code vbp.ort.threads} system property (default: available processors). If another
 * library (DJL) created the environment first, that environment and its threading are used as they are.
 *
 * <p>{@code vbp.ort.arena} ({@code true} by default) keeps ONNX Runtime's CPU memory arena on; {@code false} gives
 * every run's intermediate tensors back to the allocator when it ends, so a process holds its model's weights rather
 * than the largest batch it ever ran, at about a third of the speed lost on DeiT-Base (docs/BENCHMARKS.md). Memory
 * patterns ({@code vbp.ort.memory-pattern}) are off by default: a pattern is planned per input shape on top of what
 * the arena already holds, so the second run of a DeiT-Base batch of 32 took the arena from 1.3 GB to 2.4 GB, at no
 * measured gain in speed, and every new batch size (a poll's last, partial batch) plans one more.
 */
public final class OrtEnv {

    private static OrtEnvironment env;
    private static boolean globalPool;

    private OrtEnv() {
    }

    public static synchronized OrtEnvironment get() {
        if (env == null) {
            int threads = Integer.getInteger("vbp.ort.threads", Runtime.getRuntime().availableProcessors());
            try (OrtEnvironment.ThreadingOptions t = new OrtEnvironment.ThreadingOptions()) {
                t.setGlobalIntraOpNumThreads(threads);
                t.setGlobalInterOpNumThreads(1);
                t.setGlobalSpinControl(spin());
                env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "vbp", t);
                globalPool = true;
            } catch (OrtException | IllegalStateException e) {
                env = OrtEnvironment.getEnvironment();
                globalPool = false;
            }
        }
        return env;
    }

    private static boolean spin() {
        return Boolean.parseBoolean(System.getProperty("vbp.ort.spin", "false"));
    }

    /** Session options that use the global pool, with all graph optimisations on. */
    public static OrtSession.SessionOptions sessionOptions() throws OrtException {
        get();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (!Boolean.parseBoolean(System.getProperty("vbp.ort.memory-pattern", "false"))) {
            o.setMemoryPatternOptimization(false);
        }
        if (!Boolean.parseBoolean(System.getProperty("vbp.ort.arena", "true"))) {
            o.setCPUArenaAllocator(false);
        }
        if (globalPool) {
            o.disablePerSessionThreads();
        } else {
            o.setIntraOpNumThreads(Integer.getInteger("vbp.ort.threads", Runtime.getRuntime().availableProcessors()));
            // a per-session pool spins by default: on a small machine the spinning threads starve everything else in
            // the process (Kafka clients, decoding) and are starved in turn
            o.addConfigEntry("session.intra_op.allow_spinning", spin() ? "1" : "0");
        }
        return o;
    }
}
