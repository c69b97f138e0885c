package io.vbpstream.bench;

import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PlanBuilder;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.Evaluator;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.runtime.StatisticsCollector;
import io.vbpstream.core.stats.ModelStatistics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The fmnist-vit pruning sweep behind docs/RESULTS.md: every criterion, with and without mean shift, uniform and
 * global, at ratios 0.1 .. 0.9, evaluated on the 10k test split with no fine-tuning; plus how fast the kept sets settle
 * as calibration images accumulate.
 *
 * <pre>bench/run.sh results [--calibration 4096] [--out target/bench/results.md]</pre>
 */
public final class ResultsSweep {

    private static final double[] RATIOS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    private static final long[] RANDOM_SEEDS = {1, 2, 3};

    private ResultsSweep() {
    }

    public static void main(String[] args) throws Exception {
        int calibration = intArg(args, "--calibration", 4096);
        Path out = Path.of(stringArg(args, "--out", "target/bench/results.md"));
        Fixtures.Fmnist fm = Fixtures.fmnist();
        ImageSet train = ImageSet.open(Fixtures.trainImages(), null, calibration);

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Machine: %s, %s. ONNX Runtime CPU, global thread pool.%n%n", Fixtures.cpuModel(), Fixtures.machine()));

        long t0 = System.nanoTime();
        Map<Integer, ModelStatistics> statsBySize = new HashMap<>();
        for (int n : new int[] {256, 1024, calibration}) {
            statsBySize.put(n, StatisticsCollector.collect(fm.model(), fm.sha256(), fm.blocks(), ImageSet.open(Fixtures.trainImages(), null, n),
                    fm.pre(), 64, x -> { }));
        }
        ModelStatistics stats = statsBySize.get(calibration);
        System.err.printf(Locale.ROOT, "statistics gathered in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        float[] batch1 = Fixtures.batch(fm.test(), fm.pre(), 1);
        float[] batch64 = Fixtures.batch(fm.test(), fm.pre(), 64);
        try (ModelSession original = new ModelSession(fm.model())) {
            int[] reference = Evaluator.predict(original, fm.test(), fm.pre(), 250, x -> { });
            double baseAcc = Evaluator.accuracy(reference, fm.test());
            md.append(String.format(Locale.ROOT, "Unpruned fmnist-vit: top-1 %.2f%% on the 10k test split, %,d MACs, %,d params. "
                    + "Calibration: the first %d training images (%d tokens each).%n%n", 100 * baseAcc, fm.cost().macs(), fm.cost().params(),
                    calibration, fm.blocks().isEmpty() ? 0 : fm.cost().blocks().get(0).tokens()));
            md.append("| criterion | mean shift | allocation | ratio | top-1 % | % of unpruned acc. | agreement % | MACs -% | params -% | speedup b1 | speedup b64 |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            Map<String, double[]> latencyCache = new HashMap<>();
            for (Criterion criterion : Criterion.values()) {
                for (Compensation comp : new Compensation[] {Compensation.MEAN, Compensation.NONE}) {
                    for (Allocation alloc : Allocation.values()) {
                        for (double ratio : RATIOS) {
                            long[] seeds = criterion == Criterion.RANDOM ? RANDOM_SEEDS : new long[] {0};
                            double[] acc = new double[seeds.length];
                            double[] agree = new double[seeds.length];
                            double[] speed1 = new double[seeds.length];
                            double[] speed64 = new double[seeds.length];
                            Pruning.Result last = null;
                            for (int s = 0; s < seeds.length; s++) {
                                PruningPolicy policy = new PruningPolicy(criterion, alloc, new PruningTarget.NeuronRatio(ratio), comp,
                                        PruningPolicy.DEFAULT_MIN_KEEP, seeds[s]);
                                last = Pruning.run(fm.model(), fm.sha256(), stats, policy, fm.cost());
                                try (ModelSession pruned = new ModelSession(last.model())) {
                                    int[] p = Evaluator.predict(pruned, fm.test(), fm.pre(), 250, x -> { });
                                    acc[s] = Evaluator.accuracy(p, fm.test());
                                    agree[s] = Evaluator.agreement(p, reference);
                                    double[] lat = latencyCache.get(last.plan().keptWidths().toString());
                                    if (lat == null) {
                                        lat = new double[] {
                                                LatencyBench.compare(original, pruned, batch1, new long[] {1, 1, 28, 28}, 20, 200).speedup(),
                                                LatencyBench.compare(original, pruned, batch64, new long[] {64, 1, 28, 28}, 3, 25).speedup()};
                                        latencyCache.put(last.plan().keptWidths().toString(), lat);
                                    }
                                    speed1[s] = lat[0];
                                    speed64[s] = lat[1];
                                }
                            }
                            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %s | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2fx |%n",
                                    criterion.id() + (seeds.length > 1 ? " (3 seeds)" : ""), comp == Compensation.MEAN ? "yes" : "no",
                                    alloc.id(), ratio, meanSd(acc, 100), 100 * mean(acc) / baseAcc, 100 * mean(agree),
                                    100 * last.report().macsReduction(), 100 * last.report().paramsReduction(),
                                    LatencyBench.median(speed1), LatencyBench.median(speed64)));
                            System.err.printf(Locale.ROOT, "%s %s %s %.1f acc %.4f (%.0f s)%n", criterion.id(), comp.id(), alloc.id(), ratio,
                                    mean(acc), (System.nanoTime() - t0) / 1e9);
                        }
                    }
                }
            }
        }

        md.append("\n### How fast the kept sets settle\n\n");
        md.append("Jaccard overlap of the kept sets (variance criterion, uniform) computed from the first 256 and 1024 "
                + "training images against those from " + calibration + " images; mean and minimum over the 6 blocks.\n\n");
        md.append("| ratio | 256 vs " + calibration + " (mean / min) | 1024 vs " + calibration + " (mean / min) | 256 vs 1024 (mean / min) |\n|---|---|---|---|\n");
        for (double ratio : new double[] {0.1, 0.3, 0.5, 0.7, 0.9}) {
            PruningPolicy policy = PruningPolicy.of(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.NeuronRatio(ratio), Compensation.MEAN);
            PruningPlan small = new PlanBuilder(fm.blocks(), statsBySize.get(256), policy).uniform(ratio);
            PruningPlan mid = new PlanBuilder(fm.blocks(), statsBySize.get(1024), policy).uniform(ratio);
            PruningPlan full = new PlanBuilder(fm.blocks(), stats, policy).uniform(ratio);
            md.append(String.format(Locale.ROOT, "| %.1f | %s | %s | %s |%n", ratio, jaccard(small, full), jaccard(mid, full), jaccard(small, mid)));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
        System.err.printf(Locale.ROOT, "done in %.0f s -> %s%n", (System.nanoTime() - t0) / 1e9, out);
    }

    static String jaccard(PruningPlan a, PruningPlan b) {
        double sum = 0;
        double min = 1;
        for (int i = 0; i < a.blocks().size(); i++) {
            double j = a.blocks().get(i).jaccard(b.blocks().get(i));
            sum += j;
            min = Math.min(min, j);
        }
        return String.format(Locale.ROOT, "%.3f / %.3f", sum / a.blocks().size(), min);
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    static String meanSd(double[] v, double scale) {
        if (v.length == 1) {
            return String.format(Locale.ROOT, "%.2f", scale * v[0]);
        }
        double m = mean(v);
        double sd = Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
        return String.format(Locale.ROOT, "%.2f ± %.2f", scale * m, scale * sd);
    }

    static int intArg(String[] args, String name, int fallback) {
        return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
    }

    static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
