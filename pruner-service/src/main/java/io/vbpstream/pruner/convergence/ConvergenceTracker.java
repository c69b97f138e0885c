package io.vbpstream.pruner.convergence;

import io.vbpstream.core.prune.BlockPlan;
import io.vbpstream.core.prune.CovarianceChange;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.stats.CoMoments;
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
 *
 * <p>For least-squares compensation the covariance must have settled too. Once there is a plan, a covariance snapshot
 * is taken when every block's co-moment matrix holds {@code covarianceNMin / 2} samples, and again each time every
 * block's samples have doubled since the last one (or grown by {@code covarianceNMin}, once past it: after a restart
 * the first snapshot can come at many times it), counted in the samples the co-moments actually received (at a
 * DeiT size they grow far more slowly than the moments); each block's relative Frobenius change of {@code Σ_KP}
 * (K, P from the latest plan; {@link CovarianceChange}), or of every off-diagonal entry for the reconstruction
 * criterion, between the last two snapshots is recorded. Such a block also
 * needs at least {@code covarianceNMin} co-moment samples and a change of at most {@code covarianceTolerance}: the
 * change from {@code n} to {@code 2n} samples, which falls as {@code 1/√n} (docs/BENCHMARKS.md,
 * covariance-convergence); and its moments must cover at least the samples of the latest covariance snapshot, so that
 * a prune never folds a covariance newer than the statistics it ranks by.
 */
public final class ConvergenceTracker {

    /**
     * One block's state. {@code jaccard} and {@code covarianceChange} are NaN until there are two snapshots;
     * {@code covarianceSamples} is 0 without co-moments.
     */
    public record BlockProgress(String block, long samples, double jaccard, long covarianceSamples,
                                double covarianceChange, boolean converged) {
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
    private final long covarianceNMin;
    private final double covarianceTolerance;
    private final boolean wholeCovariance;
    private final Map<String, State> states = new HashMap<>();

    private static final class State {
        long samples = -1;
        int snapshots;
        PruningPlan plan;
        final Map<String, Double> jaccard = new HashMap<>();
        Map<String, CoMoments> covariance;
        final Map<String, Double> covarianceChange = new HashMap<>();
    }

    public ConvergenceTracker(long nMin, double stability, long deltaN) {
        this(nMin, stability, deltaN, 1, 1.0);
    }

    public ConvergenceTracker(long nMin, double stability, long deltaN, long covarianceNMin, double covarianceTolerance) {
        this(nMin, stability, deltaN, covarianceNMin, covarianceTolerance, false);
    }

    /**
     * @param wholeCovariance measure every off-diagonal entry's change rather than the plan's Σ_KP: for the
     *                        reconstruction criterion, whose order and fold use all of Σ
     */
    public ConvergenceTracker(long nMin, double stability, long deltaN, long covarianceNMin, double covarianceTolerance,
                              boolean wholeCovariance) {
        if (nMin < 1 || deltaN < 1 || !(stability > 0 && stability <= 1)) {
            throw new IllegalArgumentException("n-min and delta-n must be positive and stability in (0, 1]");
        }
        if (covarianceNMin < 1 || !(covarianceTolerance > 0)) {
            throw new IllegalArgumentException("covariance-n-min and covariance-tolerance must be positive");
        }
        this.nMin = nMin;
        this.stability = stability;
        this.deltaN = deltaN;
        this.covarianceNMin = covarianceNMin;
        this.covarianceTolerance = covarianceTolerance;
        this.wholeCovariance = wholeCovariance;
    }

    /** As {@link #update(String, String, List, Map, Map, Function, boolean, Function)} for a policy that needs no covariance. */
    public Progress update(String model, String version, List<String> blocks, Map<String, Moments> stats,
                           Function<Map<String, Moments>, PruningPlan> planner) {
        return update(model, version, blocks, stats, Map.of(), block -> null, false, planner);
    }

    /** As {@link #update(String, String, List, Map, Map, Function, boolean, Function)} with matrices at hand. */
    public Progress update(String model, String version, List<String> blocks, Map<String, Moments> stats,
                           Map<String, CoMoments> coMoments, boolean needCovariance,
                           Function<Map<String, Moments>, PruningPlan> planner) {
        Map<String, Long> counts = new HashMap<>();
        coMoments.forEach((b, c) -> counts.put(b, c.count()));
        return update(model, version, blocks, stats, counts, coMoments::get, needCovariance, planner);
    }

    /**
     * @param blocks        every block of the version (names), so a block without statistics yet keeps it from being ready
     * @param stats         latest totals per block
     * @param coCounts      latest co-moment samples per block (those whose tiles agree)
     * @param coMoments     assembles one block's matrix (null if its tiles do not agree now): called only when the
     *                      block's covariance snapshot is due, and one block at a time, so that the view's tiles, the
     *                      snapshot and one assembled block are all the heap holds (not a second whole covariance)
     * @param needCovariance the policy folds by least squares: the covariance must converge too
     * @param planner       the plan the current policy would make from given statistics
     */
    public synchronized Progress update(String model, String version, List<String> blocks, Map<String, Moments> stats,
                                        Map<String, Long> coCounts, Function<String, CoMoments> coMoments,
                                        boolean needCovariance, Function<Map<String, Moments>, PruningPlan> planner) {
        String key = model + "/" + version;
        // a superseded version's state (its covariance snapshot: 453 MB at DeiT-Base) is never needed again
        states.keySet().removeIf(k -> k.startsWith(model + "/") && !k.equals(key));
        State s = states.computeIfAbsent(key, k -> new State());
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
        if (s.plan != null) {
            snapshotCovariance(s, blocks, coCounts, coMoments, covarianceNMin);
        }
        List<BlockProgress> out = new ArrayList<>();
        boolean ready = !blocks.isEmpty();
        for (String b : blocks) {
            Moments m = stats.get(b);
            long n = m == null ? 0 : m.count();
            double j = s.jaccard.getOrDefault(b, Double.NaN);
            long cn = coCounts.getOrDefault(b, 0L);
            double change = s.covarianceChange.getOrDefault(b, Double.NaN);
            // the moments must be at least as recent as the covariance snapshot a prune folds from: the aggregator
            // emits a window's moments and tiles from two punctuators, so for a moment the tiles can be ahead
            long snapshot = s.covariance == null || !s.covariance.containsKey(b) ? 0 : s.covariance.get(b).count();
            boolean converged = n >= nMin && j >= stability
                    && (!needCovariance || (cn >= covarianceNMin && change <= covarianceTolerance && snapshot <= n));
            ready &= converged;
            out.add(new BlockProgress(b, n, j, cn, change, converged));
        }
        return new Progress(model, version, out, s.snapshots, Math.max(0, s.samples), ready);
    }

    /**
     * Each block's covariance snapshot: at {@code nMin / 2} samples, then whenever its co-moments have doubled since
     * its last one (or grown by {@code nMin}, whichever is less), independently of the plan snapshots (the co-moments
     * arrive in the collectors' publications, at their doublings, and may still grow after the moments have
     * converged), compared with its last one under the latest plan's K and P. Blocks are assembled and replaced one at
     * a time, copy on write: a prune that took the snapshot map keeps the matrices it took.
     */
    private void snapshotCovariance(State s, List<String> blocks, Map<String, Long> coCounts,
                                           Function<String, CoMoments> assemble, long nMin) {
        for (String b : blocks) {
            Long count = coCounts.get(b);
            if (count == null) {
                continue;
            }
            CoMoments before = s.covariance == null ? null : s.covariance.get(b);
            // a doubling, or nMin more once past nMin (after a restart the first snapshot can come late, at many
            // times nMin: waiting for a doubling then would wait as long again); fewer new samples, and comparing a
            // matrix with (nearly) itself would say little
            boolean due = before == null ? count >= Math.max(1, nMin / 2)
                    : count >= before.count() + Math.min(before.count(), nMin);
            if (!due) {
                continue;
            }
            CoMoments now = assemble.apply(b);
            if (now == null) {
                continue; // the block's tiles changed between the counts and the assembly: next time
            }
            if (before != null && wholeCovariance) {
                s.covarianceChange.put(b, CovarianceChange.relativeOffDiagonal(now, before));
            } else if (before != null) {
                s.plan.blocks().stream().filter(bp -> bp.block().equals(b)).findFirst()
                        .ifPresent(bp -> s.covarianceChange.put(b, CovarianceChange.relative(now, before, bp)));
            }
            Map<String, CoMoments> next = s.covariance == null ? new HashMap<>() : new HashMap<>(s.covariance);
            next.put(b, now);
            s.covariance = next;
        }
    }

    /**
     * The covariance of the latest snapshot of {@code model}/{@code version} (the matrices convergence judged), or
     * null before the first: a prune uses these rather than assembling a third copy of a DeiT-Base covariance.
     */
    public synchronized Map<String, CoMoments> covariance(String model, String version) {
        State s = states.get(model + "/" + version);
        return s == null ? null : s.covariance;
    }

    public long nMin() {
        return nMin;
    }

    public double stability() {
        return stability;
    }

    public long covarianceNMin() {
        return covarianceNMin;
    }

    public double covarianceTolerance() {
        return covarianceTolerance;
    }
}
