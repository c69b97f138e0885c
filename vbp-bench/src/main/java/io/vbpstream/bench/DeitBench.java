package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.ModelStatistics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DeiT-shaped models (random weights, from models/scripts/make_deit.py): time and heap to prune at a 35% MACs
 * reduction, and the ONNX Runtime CPU speedup of the pruned model against the original, measured in the same run.
 *
 * <pre>
 * bench/run.sh deit prune   MODEL [--compensation least-squares]
 *                                   # variance + mean shift (or least squares), 35% MACs; phase times, heap peak
 * bench/run.sh deit speedup MODEL   # latency of original vs pruned, batch 1 and 8, interleaved medians
 * </pre>
 */
public final class DeitBench {

    private DeitBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: DeitBench prune|speedup MODEL [--rounds N] [--reduction 0.35]");
            System.exit(2);
        }
        Path model = Path.of(args[1]);
        double reduction = Double.parseDouble(ResultsSweep.stringArg(args, "--reduction", "0.35"));
        int multiple = ResultsSweep.intArg(args, "--width-multiple", 1);
        if (args[0].equals("prune")) {
            Compensation compensation = Compensation.parse(ResultsSweep.stringArg(args, "--compensation", "mean"));
            prune(model, reduction, multiple, ResultsSweep.intArg(args, "--repeats", 3), compensation);
        } else {
            speedup(model, reduction, multiple, ResultsSweep.intArg(args, "--rounds", 20));
        }
    }

    /**
     * Statistics from a few random images (random weights, so any input will do), with the co-moment matrices if asked
     * (for least squares), cached beside the model.
     */
    static ModelStatistics statistics(Path model, ModelProto proto, String sha, List<MlpBlock> blocks, boolean coMoments)
            throws Exception {
        Path cache = model.resolveSibling(coMoments ? "stats-comoments.bin" : "stats.bin");
        if (Files.exists(cache)) {
            ModelStatistics s = ModelStatistics.read(cache);
            if (s.modelSha256().equals(sha)) {
                return s;
            }
        }
        ModelStatistics stats = new ModelStatistics(sha);
        int n = 4;
        float[] x = new float[n * 3 * 224 * 224];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        try (InstrumentedSession s = new InstrumentedSession(proto, blocks, coMoments)) {
            InstrumentedSession.BatchResult r = s.runInstrumented(x, new long[] {n, 3, 224, 224}, coMoments);
            r.moments().forEach((k, v) -> stats.block(k, v.width()).merge(v));
            r.coMoments().forEach((k, v) -> stats.coMoments(k, v.width()).merge(v));
        }
        stats.addImages(n);
        stats.write(cache);
        return stats;
    }

    static Path prunedPath(Path model, int multiple) {
        return model.resolveSibling(multiple == 1 ? "pruned.onnx" : "pruned-m" + multiple + ".onnx");
    }

    static void prune(Path model, double reduction, int multiple, int repeats, Compensation compensation) throws Exception {
        long fileBytes = Files.size(model);
        ModelStatistics stats;
        {
            OnnxModels.LoadedModel loaded = OnnxModels.read(model);
            stats = statistics(model, loaded.model(), loaded.sha256(), MlpBlockFinder.find(loaded.model()),
                    compensation == Compensation.LEAST_SQUARES);
        }
        Path out = prunedPath(model, multiple);
        PruningPolicy policy = PruningPolicy.of(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.MacsReduction(reduction),
                compensation).withWidthMultiple(multiple);
        double[] total = new double[repeats];
        long peak = 0;
        String phases = "";
        for (int r = 0; r < repeats; r++) {
            System.gc();
            resetPeaks();
            long t0 = System.nanoTime();
            OnnxModels.LoadedModel loaded = OnnxModels.read(model);
            long t1 = System.nanoTime();
            List<MlpBlock> blocks = MlpBlockFinder.find(loaded.model());
            ModelCost cost = CostModel.analyse(loaded.model(), blocks, Map.of());
            long t2 = System.nanoTime();
            Pruning.Result result = Pruning.run(loaded.model(), loaded.sha256(), stats, policy, cost);
            long t3 = System.nanoTime();
            OnnxModels.write(result.model(), out);
            long t4 = System.nanoTime();
            total[r] = (t4 - t0) / 1e9;
            peak = Math.max(peak, heapPeak());
            phases = String.format(Locale.ROOT, "read+sha256 %.2f s, find+cost %.2f s, plan+slice+" + compensation.id()
                            + " fold %.2f s, write %.2f s",
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9);
            System.out.printf(Locale.ROOT, "  run %d: %.2f s (%s); MACs -%.1f%%, params -%.1f%%, kept width %d of %d%n", r + 1,
                    total[r], phases, 100 * result.report().macsReduction(), 100 * result.report().paramsReduction(),
                    result.report().blocks().get(0).keptWidth(), result.report().blocks().get(0).width());
        }
        System.out.printf(Locale.ROOT, "prune %s (%,d bytes) at %.0f%% MACs: median %.2f s over %d runs; heap peak %,d MiB = %.2fx the model "
                        + "file (max heap %,d MiB); %s%n", model, fileBytes, 100 * reduction, LatencyBench.median(total), repeats,
                peak >> 20, (double) peak / fileBytes, Runtime.getRuntime().maxMemory() >> 20, Fixtures.machine());
    }

    static void speedup(Path model, double reduction, int multiple, int rounds) throws Exception {
        Path pruned = prunedPath(model, multiple);
        if (!Files.exists(pruned)) {
            prune(model, reduction, multiple, 1, Compensation.MEAN);
        }
        System.out.printf(Locale.ROOT, "%s vs %s; %s; %s%n", model, pruned.getFileName(), Fixtures.cpuModel(), Fixtures.machine());
        try (ModelSession original = new ModelSession(model); ModelSession small = new ModelSession(pruned)) {
            for (int batch : new int[] {1, 8}) {
                float[] x = new float[batch * 3 * 224 * 224];
                SplittableRandom rng = new SplittableRandom(batch);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rng.nextGaussian();
                }
                int n = batch == 1 ? rounds : Math.max(5, rounds / 3);
                LatencyBench.Comparison c = LatencyBench.compare(original, small, x, new long[] {batch, 3, 224, 224}, 3, n);
                System.out.printf(Locale.ROOT, "  batch %d: original %.1f ms, pruned %.1f ms, speedup %.2fx (median of %d interleaved rounds)%n",
                        batch, c.baselineMs(), c.candidateMs(), c.speedup(), n);
            }
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound on the live peak). */
    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
