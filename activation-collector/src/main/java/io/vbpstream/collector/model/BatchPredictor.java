package io.vbpstream.collector.model;

import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;

/**
 * What the collector loop runs a batch through: {@link InstrumentedPredictor} on an ONNX Runtime session, or a decorator
 * of it ({@link ServingModel#withPredictor}). One caller at a time.
 */
public interface BatchPredictor extends AutoCloseable {

    /** True if every batch also computes co-moments (and needs its images' seeds). */
    boolean coMoments();

    /**
     * Runs one batch. Throws a {@link RuntimeException} when inference fails, including when the predictor has been
     * closed under the call.
     */
    BatchResult predict(InstrumentedPredictor.Batch batch);

    /** Releases the session; a batch running meanwhile fails. */
    @Override
    void close();
}
