package io.vbpstream.collector.model;

import ai.djl.engine.Engine;

/**
 * Starts DJL's ONNX Runtime engine. It must come before anything else touches ONNX Runtime: the engine creates the
 * process's {@code OrtEnvironment}, and vbp-core's {@code OrtEnv} then uses that one. DJL's usage tracking is switched
 * off here as well as by the {@code OPT_OUT_TRACKING} environment variable: nothing may leave the process but Kafka.
 */
public final class DjlEngine {

    public static final String NAME = "OnnxRuntime";

    private DjlEngine() {
    }

    public static synchronized Engine get() {
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        return Engine.getEngine(NAME);
    }
}
