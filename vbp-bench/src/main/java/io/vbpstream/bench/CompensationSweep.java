package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.Evaluator;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.runtime.StatisticsCollector;
import io.vbpstream.core.stats.ModelStatistics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Compensation modes compared on fmnist-vit with no fine-tuning (docs/RESULTS.md): variance criterion, uniform
 * allocation, ratios 0.5 .. 0.9, each with {@code none}, {@code mean} and {@code least-squares}; the ridge α swept at
 * ratio 0.8; and least squares from covariances of fewer calibration images.
 *
 * <pre>bench/run.sh compensation [--calibration 4096] [--tokens-per-image 16] [--out target/bench/compensation.md]</pre>
 *
 * <p>{@code --tokens-per-image}: the collectors' estimator compared with every token (their default, 16), on the
 * calibration images and on the {@code 8192 / K} images that give the pipeline's {@code covariance-n-min}.
 */
public final class CompensationSweep {

    private static final double[] RATIOS = {0.5, 0.6, 0.7, 0.8, 0.9};
    private static final double[] ALPHAS = {0, 1e-4, 1e-3, 1e-2, 1e-1, 1};
    private static final int[] SMALLER = {256, 1024};

    private CompensationSweep() {
    }

    public static void main(String[] args) throws Exception {
        int calibration = ResultsSweep.intArg(args, "--calibration", 4096);
        int tokens = ResultsSweep.intArg(args, "--tokens-per-image", 16);
        int nMinImages = Math.max(1, 8192 / tokens);
        Path out = Path.of(ResultsSweep.stringArg(args, "--out", "target/bench/compensation.md"));
        Fixtures.Fmnist fm = Fixtures.fmnist();

        long t0 = System.nanoTime();
        ModelStatistics stats = StatisticsCollector.collect(fm.model(), fm.sha256(), fm.blocks(),
                ImageSet.open(Fixtures.trainImages(), null, calibration), fm.pre(), 64, true, x -> { });
        System.err.printf(Locale.ROOT, "statistics with covariance of %d images in %.1f s%n", calibration, (System.nanoTime() - t0) / 1e9);

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Machine: %s, %s. Calibration: the first %d training images (statistics and "
                + "covariance); evaluation: the 10k test split; no fine-tuning.%n%n", Fixtures.cpuModel(), Fixtures.machine(), calibration));
        try (ModelSession original = new ModelSession(fm.model())) {
            int[] reference = Evaluator.predict(original, fm.test(), fm.pre(), 250, x -> { });
            double base = Evaluator.accuracy(reference, fm.test());
            md.append(String.format(Locale.ROOT, "Unpruned: top-1 %.2f%%.%n%n", 100 * base));
            md.append("| ratio | compensation | top-1 % | % of unpruned acc. | agreement % | MACs -% |\n|---|---|---|---|---|---|\n");
            for (double ratio : RATIOS) {
                for (Compensation c : new Compensation[] {Compensation.NONE, Compensation.MEAN, Compensation.LEAST_SQUARES}) {
                    PruningPolicy p = policy(ratio, c, PruningPolicy.DEFAULT_RIDGE);
                    double[] r = evaluate(fm.model(), fm.sha256(), stats, p, fm.cost(), fm.test(), fm.pre(), reference);
                    md.append(String.format(Locale.ROOT, "| %.1f | %s | %.2f | %.1f | %.1f | %.1f |%n", ratio,
                            c.id() + (c == Compensation.LEAST_SQUARES ? " (α " + PruningPolicy.DEFAULT_RIDGE + ")" : ""),
                            100 * r[0], 100 * r[0] / base, 100 * r[1], 100 * r[2]));
                    System.err.printf(Locale.ROOT, "ratio %.1f %s: %.4f (%.0f s)%n", ratio, c.id(), r[0], (System.nanoTime() - t0) / 1e9);
                }
            }
            md.append("\nThe ridge α of least squares at ratio 0.8 (λ = α · mean variance of the kept neurons):\n\n");
            md.append("| α | top-1 % | % of unpruned acc. | agreement % |\n|---|---|---|---|\n");
            for (double alpha : ALPHAS) {
                double[] r = evaluate(fm.model(), fm.sha256(), stats, policy(0.8, Compensation.LEAST_SQUARES, alpha), fm.cost(), fm.test(), fm.pre(),
                        reference);
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", alpha, pct(r[0]), r[0] < 0 ? "-" : String.format(Locale.ROOT,
                        "%.1f", 100 * r[0] / base), pct(r[1])));
            }
            md.append("\nLeast squares at ratio 0.8 from the statistics and covariance of fewer calibration images:\n\n");
            md.append("| calibration images | top-1 % | % of unpruned acc. |\n|---|---|---|\n");
            for (int n : SMALLER) {
                ModelStatistics small = StatisticsCollector.collect(fm.model(), fm.sha256(), fm.blocks(),
                        ImageSet.open(Fixtures.trainImages(), null, n), fm.pre(), 64, true, x -> { });
                double[] r = evaluate(fm.model(), fm.sha256(), small, policy(0.8, Compensation.LEAST_SQUARES,
                        PruningPolicy.DEFAULT_RIDGE), fm.cost(), fm.test(), fm.pre(), reference);
                md.append(String.format(Locale.ROOT, "| %d | %.2f | %.1f |%n", n, 100 * r[0], 100 * r[0] / base));
            }
        }
        md.append("\nThe collectors' estimator: least squares from the co-moments of " + tokens + " random tokens per image (the "
                + "moments, so the kept sets, stay over every token), against the covariance of every token of the same "
                + "images:\n\n");
        md.append("| ratio | every token, " + calibration + " images | " + tokens + " tokens per image, " + calibration
                + " images | difference (points) | " + tokens + " tokens per image, " + nMinImages + " images (8192 samples, the pipeline's "
                + "covariance-n-min) |\n|---|---|---|---|---|\n");
        try (ModelSession original = new ModelSession(fm.model())) {
            int[] reference = Evaluator.predict(original, fm.test(), fm.pre(), 250, x -> { });
            ModelStatistics sampled = StatisticsCollector.collect(fm.model(), fm.sha256(), fm.blocks(),
                    ImageSet.open(Fixtures.trainImages(), null, calibration), fm.pre(), 64, true, tokens, x -> { });
            ModelStatistics sampledAtNMin = StatisticsCollector.collect(fm.model(), fm.sha256(), fm.blocks(),
                    ImageSet.open(Fixtures.trainImages(), null, nMinImages), fm.pre(), 64, true, tokens, x -> { });
            for (double ratio : RATIOS) {
                PruningPolicy p = policy(ratio, Compensation.LEAST_SQUARES, PruningPolicy.DEFAULT_RIDGE);
                double full = evaluate(fm.model(), fm.sha256(), stats, p, fm.cost(), fm.test(), fm.pre(), reference)[0];
                double est = evaluate(fm.model(), fm.sha256(), sampled, p, fm.cost(), fm.test(), fm.pre(), reference)[0];
                double small = evaluate(fm.model(), fm.sha256(), sampledAtNMin, p, fm.cost(), fm.test(), fm.pre(), reference)[0];
                md.append(String.format(Locale.ROOT, "| %.1f | %s | %s | %+.2f | %s |%n", ratio, pct(full), pct(est),
                        100 * (est - full), pct(small)));
                System.err.printf(Locale.ROOT, "estimator at ratio %.1f: %.4f vs %.4f (%.0f s)%n", ratio, est, full,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        md.append("\nState per block: the co-moment matrix in memory (packed upper triangle and the means, float64) and as "
                + "the 256 x 256 tiles that stream and sit in the store (encoded records), beside the moments' record:\n\n");
        md.append("| width | moments record (bytes) | co-moments in memory (bytes) | tiles | co-moment tiles, encoded (bytes) |\n"
                + "|---|---|---|---|---|\n");
        for (int w : new int[] {256, 512, 1536, 3072}) {
            io.vbpstream.core.stats.CoMoments c = io.vbpstream.core.stats.CoMoments.empty(w);
            List<io.vbpstream.core.stats.CoMomentsTile> tiles = c.tiles(256);
            long encoded = tiles.stream().mapToLong(t -> io.vbpstream.core.stats.CoMomentsCodec.encode(t).length).sum();
            md.append(String.format(Locale.ROOT, "| %d | %,d | %,d | %d | %,d |%n", w,
                    io.vbpstream.core.stats.MomentsCodec.encodedSize(w), 8L * (io.vbpstream.core.stats.CoMoments.packedSize(w) + w),
                    tiles.size(), encoded));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
        System.err.printf(Locale.ROOT, "done in %.0f s -> %s%n", (System.nanoTime() - t0) / 1e9, out);
    }

    private static PruningPolicy policy(double ratio, Compensation c, double alpha) {
        return PruningPolicy.of(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.NeuronRatio(ratio), c).withRidge(alpha);
    }

    static String pct(double v) {
        return v < 0 ? "fails" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    /** {accuracy, agreement with the unpruned model, MACs reduction}; accuracy -1 if the solve fails. */
    static double[] evaluate(ModelProto model, String sha, ModelStatistics stats, PruningPolicy policy, ModelCost cost,
                                     ImageSet test, Preprocessor pre, int[] reference) throws Exception {
        Pruning.Result r;
        try {
            r = Pruning.run(model, sha, stats, policy, cost);
        } catch (IllegalArgumentException e) {
            System.err.println(policy + ": " + e.getMessage());
            return new double[] {-1, -1, -1};
        }
        try (ModelSession pruned = new ModelSession(r.model())) {
            int[] p = Evaluator.predict(pruned, test, pre, 250, x -> { });
            return new double[] {Evaluator.accuracy(p, test), Evaluator.agreement(p, reference), r.report().macsReduction()};
        }
    }
}
