package io.vbpstream.pruner.convergence;

import io.vbpstream.core.prune.BlockPlan;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.stats.Moments;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Decides when a model version's statistics have converged. A snapshot of the pruning plan is taken each time the
 * smallest block sample count has grown by {@code deltaN} since the last one (the first at {@code deltaN}); a block has
 * converged when it holds at least {@code nMin} samples and its kept set overlaps the previous snapshot's by a
 * Jaccard index of at least {@code stability}. The version is ready when all its blocks have.
 */
public final class ConvergenceTracker {

    /** One block's state. {@code jaccard} is NaN until there are two snapshots. */
    public record BlockProgress(String block, long samples, double jaccard, boolean converged) {
    }

    public record Progress(String model, String version, List<BlockProgress> blocks, int snapshots, long snapshotSamples,
                           boolean ready) {
        public static Progress none(String model, String version) {
            return new Progress(model, version, List.of(), 0, 0, false);
        }
    }

    private final long nMin;
    private final double stability;
    private final long deltaN;
    private final Map<String, State> states = new HashMap<>();

    private static final class State {
        long samples = -1;
        int snapshots;
        PruningPlan plan;
        Map<String, Double> jaccard = new HashMap<>();
    }

    public ConvergenceTracker(long nMin, double stability, long deltaN) {
        if (nMin < 1 || deltaN < 1 || !(stability > 0 && stability <= 1)) {
            throw new IllegalArgumentException("n-min and delta-n must be positive and stability in (0, 1]");
        }
        this.nMin = nMin;
        this.stability = stability;
        this.deltaN = deltaN;
    }

    /**
     * @param blocks  every block of the version (names), so a block without statistics yet keeps it from being ready
     * @param stats   latest totals per block
     * @param planner the plan the current policy would make from given statistics
     */
    public synchronized Progress update(String model, String version, List<String> blocks, Map<String, Moments> stats,
                                        Function<Map<String, Moments>, PruningPlan> planner) {
        State s = states.computeIfAbsent(model + "/" + version, k -> new State());
        long min = Long.MAX_VALUE;
        for (String b : blocks) {
            Moments m = stats.get(b);
            min = Math.min(min, m == null ? 0 : m.count());
        }
        if (min >= deltaN && (s.samples < 0 || min >= s.samples + deltaN)) {
            PruningPlan plan = planner.apply(stats);
            if (s.plan != null) {
                for (BlockPlan bp : plan.blocks()) {
                    s.plan.blocks().stream().filter(o -> o.block().equals(bp.block())).findFirst()
                            .ifPresent(o -> s.jaccard.put(bp.block(), bp.jaccard(o)));
                }
            }
            s.plan = plan;
            s.samples = min;
            s.snapshots++;
        }
        List<BlockProgress> out = new ArrayList<>();
        boolean ready = !blocks.isEmpty();
        for (String b : blocks) {
            Moments m = stats.get(b);
            long n = m == null ? 0 : m.count();
            double j = s.jaccard.getOrDefault(b, Double.NaN);
            boolean converged = n >= nMin && j >= stability;
            ready &= converged;
            out.add(new BlockProgress(b, n, j, converged));
        }
        return new Progress(model, version, out, s.snapshots, Math.max(0, s.samples), ready);
    }

    public long nMin() {
        return nMin;
    }

    public double stability() {
        return stability;
    }
}
