package io.vbpstream.core.cost;

import io.vbpstream.core.runtime.GramKernel;
import io.vbpstream.core.stats.CoMoments;

import java.util.List;
import java.util.Locale;

/**
 * The heap each service needs for a model: the one rule behind {@code ./vbp-local}'s {@code -Xmx}, the pipeline
 * benchmark's, the Kubernetes requests and limits (deploy/kubernetes/README.md), and the collector's refusal at
 * start of a heap too small for its model. With {@code F} the model file's bytes, {@code C = Σ_blocks w(w+1)/2 · 8}
 * a covariance's bytes (float64 packed upper triangles; 453 MB for DeiT-Base), {@code G = max w² · 4} one block's
 * float32 Gram, {@code K} the bands each Gram kernel keeps between calls (one kernel per distinct width, about
 * {@code 0.58 · w² · 4}: 22 MB at 3072), {@code R} the collector's sampled rows per Gram
 * ({@code vbp.collector.covariance.gram-rows}, {@link #GRAM_ROWS} by default), and {@code S} the gate sample's
 * bytes ({@code images · C·H·W · 4}):
 *
 * <ul>
 *   <li>collector: {@code 320 MB + 1.25·F} (the parsed model while it loads, once more during a hot swap)
 *       {@code + C + 4·R·Σw + K + G} (the co-moments since the last publication, each block's buffer of sampled rows,
 *       the kernels' bands, and one block's tiles at a publication) when co-moments are on;</li>
 *   <li>aggregator: {@code 384 MB + C / 4} (a block's tiles in flight; the state lives in RocksDB, off the heap)
 *       {@code + min(64 MB, C / 4)}: Kafka Streams' record cache ({@code statestore.cache.max.bytes}, 64 MB), which
 *       fills with what one commit interval writes, a few blocks' tiles at most;</li>
 *   <li>pruner: {@code 384 MB + F} (the cached promoted version; a second one while a newly promoted version
 *       loads) {@code + max(F + 1.5·C + L, 1.5·C + 2·S)}: a prune holds the pruned model, the view's tiles (float32
 *       records, {@code C/2}), the convergence snapshot it folds from ({@code C}) and the least-squares work
 *       {@code L = 2 · 8·max w²} ({@code L = 2 · 4 · 8·max w²} with the reconstruction criterion on the Java
 *       kernels: two blocks' greedy orders at a time, each holding its covariance, EJML's copy and factor, and the
 *       inverse; on OpenBLAS each order's {@code 8·w²} lives in native memory outside the heap, freed as the
 *       order ends, so L stays {@code 2 · 8·max w²}); the gate then holds the tiles, the snapshot and its sample (read, then packed). The
 *       snapshot is assembled one block at a time, so no second covariance is ever held.</li>
 * </ul>
 * Each is then given a quarter more for the garbage collector to work in, rounded up to 64 MB, and at least
 * {@link #FLOOR_MB}. The budget is what the measured live set needs (docs/BENCHMARKS.md, the pipeline benchmark's
 * peak heap per service), not a guess at RSS: ONNX Runtime's sessions and RocksDB live outside it.
 */
public record HeapBudget(long collectorBytes, long aggregatorBytes, long prunerBytes) {

    private static final long MB = 1L << 20;
    /** No service is given less: Quarkus, the Kafka clients and their buffers. */
    public static final long FLOOR_MB = 512;
    /** The collector's sampled rows per Gram ({@code vbp.collector.covariance.gram-rows}, its default). */
    public static final int GRAM_ROWS = 512;
    /** The aggregator's Kafka Streams record cache ({@code kafka-streams.statestore.cache.max.bytes}). */
    public static final long RECORD_CACHE_BYTES = 64 * MB;

    /**
     * @param modelFileBytes the model file's size
     * @param widths         the MLP blocks' hidden widths
     * @param inputFloats    one preprocessed image ({@code C·H·W})
     * @param gateImages     the validation gate's sample ({@code vbp.pruner.gate.images})
     * @param covariance     co-moments are collected (least-squares compensation)
     */
    public static HeapBudget of(long modelFileBytes, List<Integer> widths, long inputFloats, int gateImages,
                                boolean covariance) {
        return of(modelFileBytes, widths, inputFloats, gateImages, covariance, GRAM_ROWS);
    }

    /** As {@link #of(long, List, long, int, boolean)}, with the collector's {@code gram-rows} as configured. */
    public static HeapBudget of(long modelFileBytes, List<Integer> widths, long inputFloats, int gateImages,
                                boolean covariance, int gramRows) {
        return of(modelFileBytes, widths, inputFloats, gateImages, covariance, gramRows, false);
    }

    /**
     * As {@link #of(long, List, long, int, boolean)} with co-moments on, for a pruner whose policy chooses by the
     * reconstruction criterion (its greedy orders' working set in place of the least-squares work).
     *
     * @param kernelsOnHeap the orders run on the Java kernels ({@code DenseKernels#onHeap()}); OpenBLAS's work in
     *                      native memory, and the heap then needs no more than for least squares
     */
    public static HeapBudget forReconstruction(long modelFileBytes, List<Integer> widths, long inputFloats, int gateImages,
                                               boolean kernelsOnHeap) {
        return of(modelFileBytes, widths, inputFloats, gateImages, true, GRAM_ROWS, kernelsOnHeap);
    }

    private static HeapBudget of(long modelFileBytes, List<Integer> widths, long inputFloats, int gateImages,
                                 boolean covariance, int gramRows, boolean reconstructionOnHeap) {
        long c = covariance ? covarianceBytes(widths) : 0;
        long wmax = widths.stream().mapToLong(Integer::longValue).max().orElse(0);
        long gram = covariance ? wmax * wmax * 4
                + widths.stream().distinct().mapToLong(w -> GramKernel.bandFloats(w) * 4).sum() : 0;
        long buffers = covariance ? 4L * gramRows * widths.stream().mapToLong(Integer::longValue).sum() : 0;
        long sample = (long) gateImages * inputFloats * 4;
        long collector = 320 * MB + modelFileBytes * 5 / 4 + c + buffers + gram;
        long aggregator = 384 * MB + c / 4 + Math.min(RECORD_CACHE_BYTES, c / 4);
        long leastSquares = !covariance ? 0 : reconstructionOnHeap ? 2 * 4 * 8 * wmax * wmax : 2 * 8 * wmax * wmax;
        long pruner = 384 * MB + modelFileBytes
                + Math.max(modelFileBytes + c * 3 / 2 + leastSquares, c * 3 / 2 + 2 * sample);
        return new HeapBudget(sized(collector), sized(aggregator), sized(pruner));
    }

    /**
     * What to tell the operator when {@code maxHeap} is below {@code needed} for {@code what} (a model version), or
     * empty when it is enough: the heap it needs and the {@code -Xmx} to give.
     */
    public static java.util.Optional<String> shortfall(String service, String what, long needed, long maxHeap) {
        if (maxHeap >= needed) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(String.format(Locale.ROOT, "%s needs a heap of at least %s, this JVM has %s: start the %s"
                + " with -Xmx%s (or a container memory limit that gives it that; `vbp heap --model <file>` prints every"
                + " service's)", what, xmx(needed), xmx(maxHeap), service, xmx(needed)));
    }

    /** Bytes of one covariance of every block: float64 packed upper triangles. */
    public static long covarianceBytes(List<Integer> widths) {
        return widths.stream().mapToLong(w -> (long) CoMoments.packedSize(w) * 8).sum();
    }

    private static long sized(long live) {
        long withRoom = live * 5 / 4;
        long step = 64 * MB;
        return Math.max(FLOOR_MB * MB, (withRoom + step - 1) / step * step);
    }

    /** {@code bytes} as a {@code -Xmx} value in megabytes, e.g. {@code 1664m}. */
    public static String xmx(long bytes) {
        return (bytes + MB - 1) / MB + "m";
    }

    /** One line: {@code collector=1664m aggregator=512m pruner=3200m}, as {@code vbp heap} prints it. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "collector=%s aggregator=%s pruner=%s", xmx(collectorBytes), xmx(aggregatorBytes),
                xmx(prunerBytes));
    }
}
