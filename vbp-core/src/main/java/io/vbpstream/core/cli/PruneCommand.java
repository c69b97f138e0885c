package io.vbpstream.core.cli;

import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningReport;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.stats.ModelStatistics;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Remove low-importance MLP neurons and fold their mean into the next bias.")
final class PruneCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, description = "ONNX model to prune.")
    Path model;

    @Option(names = "--stats", description = "Statistics from 'vbp stats' (needed for variance criteria and mean shift).")
    Path stats;

    @Option(names = "--criterion", defaultValue = PruningPolicy.DEFAULT_CRITERION_TEXT,
            description = "variance, weighted-variance, magnitude, random, or reconstruction (greedy structured OBS; needs --stats with the covariance and --compensation least-squares) (default ${DEFAULT-VALUE}).")
    String criterion;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--ratio", description = "Fraction of MLP hidden neurons to remove, in [0, 1).")
        Double ratio;

        @Option(names = "--macs-reduction", description = "Fraction of the whole model's MACs to remove, in (0, 1).")
        Double macsReduction;
    }

    @Option(names = "--global", description = "Rank across blocks instead of the same ratio per block: per-block z-scores of the "
            + "criterion, or for reconstruction each removal's error over the block's output energy.")
    boolean global;

    @Option(names = "--min-keep", defaultValue = PruningPolicy.MIN_KEEP_TEXT,
            description = "Each block keeps at least this fraction of its neurons (default ${DEFAULT-VALUE}).")
    double minKeep;

    @Option(names = "--compensation",
            description = "least-squares (reconstruct removed neurons from kept ones; needs 'vbp stats --covariance'), "
                    + "mean (the paper's mean shift) or none. Default: least-squares if the statistics hold the "
                    + "covariance, else mean.")
    String compensation;

    @Option(names = "--ridge-alpha", defaultValue = PruningPolicy.RIDGE_TEXT,
            description = "Ridge of least-squares compensation, relative to the kept neurons' mean variance (default ${DEFAULT-VALUE}).")
    double ridge;

    @Option(names = "--seed", defaultValue = PruningPolicy.DEFAULT_SEED_TEXT, description = "Seed for the random criterion.")
    long seed;

    @Option(names = "--width-multiple", defaultValue = PruningPolicy.DEFAULT_WIDTH_MULTIPLE_TEXT,
            description = "Round kept widths down to a multiple of this, e.g. 64 for faster matrix kernels (default ${DEFAULT-VALUE}).")
    int widthMultiple;

    @Option(names = "--out", required = true, description = "Pruned ONNX model to write.")
    Path out;

    @Option(names = "--report", description = "Write a JSON report here.")
    Path report;

    @Override
    public Integer call() throws Exception {
        Criterion c = Criterion.parse(criterion);
        ModelStatistics s = stats == null ? null : ModelStatistics.read(stats);
        Compensation comp = compensation != null ? Compensation.parse(compensation) : Compensation.defaultFor(
                s != null && !s.blocks().isEmpty() && s.blocks().keySet().stream().allMatch(s::hasCoMoments));
        PruningTarget t = target.ratio != null ? new PruningTarget.NeuronRatio(target.ratio)
                : new PruningTarget.MacsReduction(target.macsReduction);
        // --global is a switch between the two allocations, so its off state stays uniform whatever the default
        PruningPolicy policy = new PruningPolicy(c, global ? Allocation.GLOBAL : Allocation.UNIFORM, t, comp, minKeep, seed,
                widthMultiple, ridge);
        if (s == null && (c.needsStatistics() || comp != Compensation.NONE)) {
            throw new IllegalArgumentException("--stats is required for criterion " + c + " with compensation " + comp
                    + " (use --compensation none with magnitude or random to prune without statistics)");
        }
        OnnxModels.LoadedModel loaded = OnnxModels.read(model);
        Pruning.Result result = Pruning.run(loaded.model(), loaded.sha256(), s, policy, null);
        OnnxModels.write(result.model(), out);
        PruningReport r = result.report();
        if (report != null) {
            r.write(report);
        }
        System.out.printf(Locale.ROOT, "pruned %s -> %s (%s)%n", model, out, r.sha256());
        System.out.printf(Locale.ROOT, "criterion %s, %s, compensation %s, %s, %d calibration images%n", r.criterion(),
                r.allocation(), r.compensation(), r.target(), r.samples());
        r.blocks().forEach(b -> System.out.printf(Locale.ROOT, "  %-7s %5d -> %5d  (-%4.1f%%)%n", b.block(), b.width(),
                b.keptWidth(), 100 * b.removedFraction()));
        System.out.printf(Locale.ROOT, "neurons -%.1f%%, params %,d -> %,d (-%.1f%%), MACs %,d -> %,d (-%.1f%%)%n",
                100 * r.removedFraction(), r.before().params(), r.after().params(), 100 * r.paramsReduction(),
                r.before().macs(), r.after().macs(), 100 * r.macsReduction());
        return 0;
    }
}
