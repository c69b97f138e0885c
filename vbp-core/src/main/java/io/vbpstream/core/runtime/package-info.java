/**
 * ONNX Runtime sessions on a shared global thread pool, the sampled rows' upper-triangle Gram in a session of its own
 * and their buffered co-moments, batched stats/eval, interleaved latency comparison; SIGTERM/SIGINT handling that stops
 * inference before ONNX Runtime's own shutdown hook frees its environment; trimming the C heap after a session closes.
 *
 * <p>Classes: {@code OrtEnv}, {@code ModelSession}, {@code InstrumentedSession}, {@code GramKernel},
 * {@code SampledCoMoments}, {@code Batches}, {@code StatisticsCollector}, {@code Evaluator}, {@code LatencyBench},
 * {@code OrtShutdown}, {@code NativeHeap} (gives the C heap what a closed session freed back), {@code UnusedHeap}
 * (a full collection that shrinks the heap to its live set, then the trim).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.runtime;
