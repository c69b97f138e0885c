package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.linalg.DenseKernels;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PlanBuilder;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.Evaluator;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.runtime.StatisticsCollector;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which neurons to remove, compared on fmnist-vit with no fine-tuning (docs/RESULTS.md): VBP (variance, uniform, mean
 * shift), FLAP (weighted variance, global, mean shift), CORP-style (variance, uniform, least squares) and the
 * reconstruction criterion (greedy structured OBS, least squares) per block and global, at ratios 0.5-0.9; then one
 * shot against steps of 10% of the MACs, each step calibrated on the model it prunes (what the pipeline does); then
 * the reconstruction criterion's selection time on the DeiT-Base shape.
 *
 * <pre>bench/run.sh selection [--calibration 4096] [--deit target/deit/deit-base/model.onnx]
 *     [--parts fmnist,deit[,shrinkage]] [--rounds 3] [--out target/bench/selection.md]</pre>
 * ({@code shrinkage}: {@link ShrinkageProbe}, Marchenko–Pastur clipping of the covariance, at ratios 0.8 and 0.9)
 */
public final class SelectionSweep {

    private static final double[] RATIOS = {0.5, 0.6, 0.7, 0.8, 0.9};
    private static final double[] MACS_TARGETS = {0.35, 0.47, 0.53};
    private static final double STEP = 0.10;

    record Method(String name, Criterion criterion, Allocation allocation, Compensation compensation) {
        PruningPolicy policy(PruningTarget target) {
            return PruningPolicy.of(criterion, allocation, target, compensation);
        }
    }

    static final List<Method> METHODS = List.of(
            new Method("VBP: variance, uniform, mean", Criterion.VARIANCE, Allocation.UNIFORM, Compensation.MEAN),
            new Method("FLAP: weighted variance, global, mean", Criterion.WEIGHTED_VARIANCE, Allocation.GLOBAL, Compensation.MEAN),
            new Method("CORP-style: variance, uniform, least squares", Criterion.VARIANCE, Allocation.UNIFORM, Compensation.LEAST_SQUARES),
            new Method("reconstruction, uniform, least squares", Criterion.RECONSTRUCTION, Allocation.UNIFORM, Compensation.LEAST_SQUARES),
            new Method("reconstruction, global, least squares", Criterion.RECONSTRUCTION, Allocation.GLOBAL, Compensation.LEAST_SQUARES));

    private SelectionSweep() {
    }

    public static void main(String[] args) throws Exception {
        int calibration = ResultsSweep.intArg(args, "--calibration", 4096);
        Path deit = Path.of(ResultsSweep.stringArg(args, "--deit", "target/deit/deit-base/model.onnx"));
        Path out = Path.of(ResultsSweep.stringArg(args, "--out", "target/bench/selection.md"));
        List<String> parts = List.of(ResultsSweep.stringArg(args, "--parts", "fmnist,deit").split(","));
        int rounds = ResultsSweep.intArg(args, "--rounds", 3);
        long t0 = System.nanoTime();
        StringBuilder md = new StringBuilder();
        if (parts.contains("fmnist")) {
            md.append(fmnistTables(calibration, t0));
        }
        if (parts.contains("shrinkage")) {
            Fixtures.Fmnist fm = Fixtures.fmnist();
            md.append(ShrinkageProbe.table(fm, calibrate(fm.model(), fm.sha256(), calibration, fm.pre())));
        }
        if (parts.contains("deit")) {
            if (Files.exists(deit)) {
                md.append(selectionTime(deit, rounds));
            } else {
                md.append("\n(No DeiT-Base shape at " + deit + ": `bench/run.sh deit-models` makes it.)\n");
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
        System.err.printf(Locale.ROOT, "done in %.0f s -> %s%n", (System.nanoTime() - t0) / 1e9, out);
    }

    /** The accuracy tables on fmnist-vit: every method at each ratio, then one shot against stepwise. */
    private static String fmnistTables(int calibration, long t0) throws Exception {
        Fixtures.Fmnist fm = Fixtures.fmnist();
        ModelStatistics stats = calibrate(fm.model(), fm.sha256(), calibration, fm.pre());
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Machine: %s, %s. Calibration: the first %d training images (statistics and "
                + "covariance, every token); evaluation: the 10k test split; no fine-tuning; ridge α %s, min-keep %s.%n%n",
                Fixtures.cpuModel(), Fixtures.machine(), calibration, PruningPolicy.RIDGE_TEXT, PruningPolicy.MIN_KEEP_TEXT));
        try (ModelSession original = new ModelSession(fm.model())) {
            int[] reference = Evaluator.predict(original, fm.test(), fm.pre(), 250, x -> { });
            double base = Evaluator.accuracy(reference, fm.test());
            md.append(String.format(Locale.ROOT, "Unpruned: top-1 %.2f%%.%n%n", 100 * base));
            md.append("| ratio | selection and compensation | top-1 % | % of unpruned acc. | agreement % | MACs -% |\n"
                    + "|---|---|---|---|---|---|\n");
            for (double ratio : RATIOS) {
                for (Method m : METHODS) {
                    double[] r = CompensationSweep.evaluate(fm.model(), fm.sha256(), stats,
                            m.policy(new PruningTarget.NeuronRatio(ratio)), fm.cost(), fm.test(), fm.pre(), reference);
                    md.append(String.format(Locale.ROOT, "| %.1f | %s | %s | %.1f | %.1f | %.1f |%n", ratio, m.name(),
                            CompensationSweep.pct(r[0]), 100 * r[0] / base, 100 * r[1], 100 * r[2]));
                    System.err.printf(Locale.ROOT, "ratio %.1f %s: %.4f (%.0f s)%n", ratio, m.name(), r[0], (System.nanoTime() - t0) / 1e9);
                }
            }

            md.append(String.format(Locale.ROOT, "%nOne shot from the base's statistics against steps of %.0f%% of the base's "
                    + "MACs, each pruned from statistics and covariance gathered under the previous step (%d images), as the "
                    + "pipeline does:%n%n", 100 * STEP, calibration));
            md.append("| MACs target | selection and compensation | one shot: top-1 % | % of unpruned | stepwise: top-1 % "
                    + "| % of unpruned | steps |\n|---|---|---|---|---|---|---|\n");
            for (double target : MACS_TARGETS) {
                for (Method m : METHODS) {
                    double[] oneShot = CompensationSweep.evaluate(fm.model(), fm.sha256(), stats,
                            m.policy(new PruningTarget.MacsReduction(target)), fm.cost(), fm.test(), fm.pre(), reference);
                    Stepwise s = stepwise(fm.model(), fm.sha256(), stats, fm.cost().macs(), m, target, calibration, fm.pre());
                    double stepped;
                    try (ModelSession pruned = new ModelSession(s.model())) {
                        stepped = Evaluator.accuracy(Evaluator.predict(pruned, fm.test(), fm.pre(), 250, x -> { }), fm.test());
                    }
                    md.append(String.format(Locale.ROOT, "| %.0f%% | %s | %s | %.1f | %s | %.1f | %d |%n", 100 * target,
                            m.name(), CompensationSweep.pct(oneShot[0]), 100 * oneShot[0] / base,
                            CompensationSweep.pct(stepped), 100 * stepped / base, s.steps()));
                    System.err.printf(Locale.ROOT, "MACs %.2f %s: one shot %.4f, stepwise %.4f (%.0f s)%n", target, m.name(),
                            oneShot[0], stepped, (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        return md.toString();
    }

    private static ModelStatistics calibrate(ModelProto model, String sha, int images, Preprocessor pre) throws Exception {
        return StatisticsCollector.collect(model, sha, MlpBlockFinder.find(model),
                ImageSet.open(Fixtures.trainImages(), null, images), pre, 64, true, x -> { });
    }

    record Stepwise(ModelProto model, int steps) {
    }

    /** Steps of {@link #STEP} of the base's MACs up to {@code target}, each calibrated on the model it prunes. */
    static Stepwise stepwise(ModelProto base, String sha, ModelStatistics baseStats, long baseMacs, Method m,
                             double target, int calibration, Preprocessor pre) throws Exception {
        ModelProto current = base;
        String currentSha = sha;
        ModelStatistics stats = baseStats;
        int steps = 0;
        for (double reached = 0; reached < target - 1e-9; ) {
            double next = Math.min(target, reached + STEP);
            List<MlpBlock> blocks = MlpBlockFinder.find(current);
            ModelCost cost = CostModel.analyse(current, blocks, Map.of());
            // this step's share of the current model's MACs that brings it to `next` of the base's
            double fraction = 1 - baseMacs * (1 - next) / cost.macs();
            Pruning.Result r = Pruning.run(current, currentSha, stats, m.policy(new PruningTarget.MacsReduction(fraction)), cost);
            current = r.model();
            currentSha = OnnxModels.sha256(current);
            steps++;
            reached = 1 - (double) CostModel.analyse(current, MlpBlockFinder.find(current), Map.of()).macs() / baseMacs;
            if (reached < target - 1e-9) {
                stats = StatisticsCollector.collect(current, currentSha, MlpBlockFinder.find(current),
                        ImageSet.open(Fixtures.trainImages(), null, calibration), pre, 64, true, x -> { });
            }
        }
        return new Stepwise(current, steps);
    }

    /**
     * The reconstruction criterion's plan for the DeiT-Base shape at 35% fewer MACs, from synthetic covariances
     * (a rank-64 factor plus a diagonal per block: the time depends on the widths, not on the values), against the
     * variance criterion's plan on the same statistics.
     */
    static String selectionTime(Path deit, int rounds) throws Exception {
        ModelProto model = OnnxModels.read(deit).model();
        List<MlpBlock> blocks = MlpBlockFinder.find(model);
        ModelCost cost = CostModel.analyse(model, blocks, Map.of());
        ModelStatistics stats = new ModelStatistics("synthetic");
        SplittableRandom rng = new SplittableRandom(5);
        for (MlpBlock b : blocks) {
            CoMoments c = syntheticCovariance(b.width(), 64, rng);
            stats.coMoments(b.name(), b.width()).merge(c);
            stats.block(b.name(), b.width()).merge(c.moments());
        }
        String kernels = DenseKernels.best().name() + (DenseKernels.fallbackReason().isEmpty() ? ""
                : " (" + DenseKernels.fallbackReason() + ")");
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%nSelection time on the DeiT-Base shape (%d blocks "
                + "of %d, %s), 35%% fewer MACs, %d cores (the blocks in parallel), dense kernels %s (-Dvbp.linalg=java or "
                + "VBP_LINALG=java for the others), median of %d:%n%n| selection | seconds |%n"
                + "|---|---|%n", blocks.size(), blocks.get(0).width(), deit, Runtime.getRuntime().availableProcessors(),
                kernels, rounds));
        for (Method m : List.of(METHODS.get(2), METHODS.get(3), METHODS.get(4))) {
            List<Double> times = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                long t = System.nanoTime();
                new PlanBuilder(blocks, stats, m.policy(new PruningTarget.MacsReduction(0.35))).build(cost);
                times.add((System.nanoTime() - t) / 1e9);
                System.err.printf(Locale.ROOT, "DeiT-Base selection, %s: %.1f s%n", m.name(), times.get(round));
            }
            times.sort(null);
            md.append(String.format(Locale.ROOT, "| %s | %.1f |%n", m.name(), times.get(rounds / 2)));
        }
        return md.toString();
    }

    /** Co-moments of {@code 10 000} samples with covariance {@code F Fᵀ + D}: F is {@code width x rank}, D diagonal. */
    static CoMoments syntheticCovariance(int width, int rank, SplittableRandom rng) {
        double[] f = new double[width * rank];
        for (int i = 0; i < f.length; i++) {
            f[i] = rng.nextGaussian();
        }
        long n = 10_000;
        float[] gram = new float[width * width];
        for (int i = 0; i < width; i++) {
            for (int j = i; j < width; j++) {
                double v = 0;
                for (int r = 0; r < rank; r++) {
                    v += f[i * rank + r] * f[j * rank + r];
                }
                if (i == j) {
                    v += 0.5 + rng.nextDouble();
                }
                gram[i * width + j] = (float) (v * (n - 1));
            }
        }
        double[] mean = new double[width];
        for (int i = 0; i < width; i++) {
            mean[i] = rng.nextDouble();
        }
        return CoMoments.ofBatch(n, mean, gram);
    }
}
