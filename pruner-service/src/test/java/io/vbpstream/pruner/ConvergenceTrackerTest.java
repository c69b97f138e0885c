package io.vbpstream.pruner;

import io.vbpstream.core.prune.BlockPlan;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.pruner.convergence.ConvergenceTracker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvergenceTrackerTest {

    private static final List<String> BLOCKS = List.of("mlp0", "mlp1");

    @Test
    void readyOnlyWithEnoughSamplesAndAStableKeptSet() {
        ConvergenceTracker t = new ConvergenceTracker(200, 0.9, 100);
        int[] planCalls = {0};
        List<int[]> keptSeq = new ArrayList<>(List.of(new int[]{0, 1, 2, 3}, new int[]{0, 1, 2, 4}, new int[]{0, 1, 2, 4}));
        Function<Map<String, Moments>, PruningPlan> planner = s -> {
            int[] kept = keptSeq.get(Math.min(planCalls[0]++, keptSeq.size() - 1));
            return new PruningPlan(List.of(plan("mlp0", kept), plan("mlp1", kept)));
        };
        ConvergenceTracker.Progress p = t.update("m", "v", BLOCKS, stats(50), planner);
        assertEquals(0, p.snapshots(), "no snapshot before delta-n samples");
        assertFalse(p.ready());
        p = t.update("m", "v", BLOCKS, stats(100), planner);
        assertEquals(1, p.snapshots());
        assertTrue(Double.isNaN(p.blocks().get(0).jaccard()), "one snapshot has nothing to compare with");
        p = t.update("m", "v", BLOCKS, stats(150), planner);
        assertEquals(1, p.snapshots(), "the next snapshot waits for delta-n more samples");
        p = t.update("m", "v", BLOCKS, stats(200), planner);
        assertEquals(2, p.snapshots());
        assertEquals(3.0 / 5, p.blocks().get(0).jaccard(), 1e-12, "{0,1,2,3} vs {0,1,2,4}");
        assertFalse(p.ready(), "0.6 < stability 0.9");
        p = t.update("m", "v", BLOCKS, stats(300), planner);
        assertEquals(1.0, p.blocks().get(0).jaccard(), 1e-12);
        assertTrue(p.ready());
    }

    @Test
    void aBlockWithoutStatisticsKeepsTheVersionFromBeingReady() {
        ConvergenceTracker t = new ConvergenceTracker(10, 0.5, 10);
        Function<Map<String, Moments>, PruningPlan> planner = s -> new PruningPlan(List.of(plan("mlp0", new int[]{0, 1})));
        Map<String, Moments> onlyOne = Map.of("mlp0", Moments.of(1000, new double[4], new double[4]));
        for (int i = 0; i < 3; i++) {
            ConvergenceTracker.Progress p = t.update("m", "v", BLOCKS, onlyOne, planner);
            assertFalse(p.ready());
            assertEquals(0, p.snapshots(), "the smallest block count is 0");
        }
    }

    @Test
    void versionsAreTrackedSeparately() {
        ConvergenceTracker t = new ConvergenceTracker(10, 0.5, 10);
        Function<Map<String, Moments>, PruningPlan> planner = s -> new PruningPlan(List.of(plan("mlp0", new int[]{0}), plan("mlp1", new int[]{0})));
        t.update("m", "a", BLOCKS, stats(10), planner);
        assertTrue(t.update("m", "a", BLOCKS, stats(20), planner).ready());
        assertFalse(t.update("m", "b", BLOCKS, stats(20), planner).ready(), "b has one snapshot");
    }

    @Test
    void pastNMinTheNextCovarianceSnapshotNeedsNMinMoreSamplesNotADoubling() {
        ConvergenceTracker t = new ConvergenceTracker(10, 0.5, 10, 100, 0.2);
        Function<Map<String, Moments>, PruningPlan> planner = s -> new PruningPlan(List.of(plan("mlp0", new int[]{0, 1, 2}),
                plan("mlp1", new int[]{0, 1, 2})));
        SplittableRandom rnd = new SplittableRandom(9);
        // a restarted pruner's first snapshot at 2000 samples, 20 x n-min
        CoMoments big = CoMoments.empty(6).addBatch(correlated(rnd, 2000), 2000);
        t.update("m", "v", BLOCKS, stats(3000), Map.of("mlp0", big, "mlp1", big), true, planner);
        CoMoments more = CoMoments.empty(6).merge(big).addBatch(correlated(rnd, 99), 99);
        assertTrue(Double.isNaN(t.update("m", "v", BLOCKS, stats(3000), Map.of("mlp0", more, "mlp1", more), true, planner)
                .blocks().get(0).covarianceChange()), "99 more: not yet");
        CoMoments enough = CoMoments.empty(6).merge(big).addBatch(correlated(rnd, 100), 100);
        ConvergenceTracker.Progress p = t.update("m", "v", BLOCKS, stats(3000), Map.of("mlp0", enough, "mlp1", enough), true, planner);
        assertTrue(p.blocks().get(0).covarianceChange() < 0.2, "compared after n-min more, not after 2000 more");
    }

    @Test
    void eachBlocksCovarianceIsSnapshottedOnItsOwnOneBlockAssembledAtATime() {
        ConvergenceTracker t = new ConvergenceTracker(10, 0.5, 10, 100, 0.2);
        Function<Map<String, Moments>, PruningPlan> planner = s -> new PruningPlan(List.of(plan("mlp0", new int[]{0, 1, 2}),
                plan("mlp1", new int[]{0, 1, 2})));
        SplittableRandom rnd = new SplittableRandom(13);
        CoMoments a = CoMoments.empty(6).addBatch(correlated(rnd, 200), 200);
        java.util.List<String> assembled = new java.util.ArrayList<>();
        // mlp1's tiles are mid-emission: it cannot be assembled now; mlp0 is snapshotted anyway
        t.update("m", "v", BLOCKS, stats(200), Map.of("mlp0", 200L, "mlp1", 200L), block -> {
            assembled.add(block);
            return block.equals("mlp0") ? a : null;
        }, true, planner);
        assertEquals(List.of("mlp0", "mlp1"), assembled, "one block at a time, each when due");
        assertEquals(Map.of("mlp0", a), t.covariance("m", "v"));
        Map<String, CoMoments> taken = t.covariance("m", "v");
        assembled.clear();
        t.update("m", "v", BLOCKS, stats(200), Map.of("mlp0", 200L, "mlp1", 200L), block -> {
            assembled.add(block);
            return a;
        }, true, planner);
        assertEquals(List.of("mlp1"), assembled, "mlp0 waits for its doubling, mlp1 is due now");
        assertEquals(Map.of("mlp0", a, "mlp1", a), t.covariance("m", "v"));
        assertEquals(Map.of("mlp0", a), taken, "a snapshot map already taken (by a prune) is never changed under it");
    }

    @Test
    void aSupersededVersionsStateAndCovarianceSnapshotAreDropped() {
        ConvergenceTracker t = new ConvergenceTracker(10, 0.5, 10, 100, 0.05);
        Function<Map<String, Moments>, PruningPlan> planner = s -> new PruningPlan(List.of(plan("mlp0", new int[]{0}),
                plan("mlp1", new int[]{0})));
        CoMoments a = CoMoments.empty(6).addBatch(correlated(new SplittableRandom(3), 200), 200);
        t.update("m", "base", BLOCKS, stats(10), Map.of("mlp0", a, "mlp1", a), true, planner);
        assertEquals(Map.of("mlp0", a, "mlp1", a), t.covariance("m", "base"), "the snapshot a prune folds from");
        t.update("other", "base", BLOCKS, stats(10), Map.of("mlp0", a, "mlp1", a), true, planner);
        t.update("m", "g1", BLOCKS, stats(10), planner);
        assertEquals(null, t.covariance("m", "base"), "the promoted child supersedes it: its 453 MB (DeiT-Base) go");
        assertEquals(Map.of("mlp0", a, "mlp1", a), t.covariance("other", "base"), "other models keep theirs");
    }

    @Test
    void leastSquaresAlsoWaitsForTheKeptRemovedCovarianceToSettle() {
        ConvergenceTracker t = new ConvergenceTracker(10, 0.5, 10, 100, 0.2);
        Function<Map<String, Moments>, PruningPlan> planner = s -> new PruningPlan(List.of(plan("mlp0", new int[]{0, 1, 2}),
                plan("mlp1", new int[]{0, 1, 2})));
        SplittableRandom rnd = new SplittableRandom(5);
        float[] first = correlated(rnd, 200);
        CoMoments a = CoMoments.empty(6).addBatch(first, 200);
        ConvergenceTracker.Progress p = t.update("m", "v", BLOCKS, stats(200), Map.of("mlp0", a, "mlp1", a), true, planner);
        assertTrue(Double.isNaN(p.blocks().get(0).covarianceChange()), "one covariance snapshot");
        assertEquals(200, p.blocks().get(0).covarianceSamples());
        p = t.update("m", "v", BLOCKS, stats(210), Map.of("mlp0", a, "mlp1", a), true, planner);
        assertTrue(Double.isNaN(p.blocks().get(0).covarianceChange()), "no new co-moment samples: no comparison");
        assertFalse(p.ready(), "the moments alone have converged, the covariance has not");
        t.update("m2", "v", BLOCKS, stats(10), planner);
        assertTrue(t.update("m2", "v", BLOCKS, stats(20), planner).ready(), "the same moments without least squares: ready");

        // a covariance that moved a lot (other correlations) is not settled
        CoMoments b = CoMoments.empty(6).addBatch(first, 200).addBatch(anticorrelated(rnd, 400), 400);
        p = t.update("m", "v", BLOCKS, stats(600), Map.of("mlp0", b, "mlp1", b), true, planner);
        assertTrue(p.blocks().get(0).covarianceChange() > 0.2, "change " + p.blocks().get(0).covarianceChange());
        assertFalse(p.ready());
        // a little less than a doubling: no snapshot yet
        CoMoments early = CoMoments.empty(6).merge(b).addBatch(correlated(rnd, 5), 5).addBatch(anticorrelated(rnd, 10), 10);
        double before = t.update("m", "v", BLOCKS, stats(615), Map.of("mlp0", early, "mlp1", early), true, planner)
                .blocks().get(0).covarianceChange();
        assertEquals(p.blocks().get(0).covarianceChange(), before, 0.0, "615 of the 700 samples the next snapshot needs (600 + n-min)");
        // twice the samples, of the same mixture (1 correlated : 2 anticorrelated): Σ_KP moves only by sampling noise
        CoMoments c = CoMoments.empty(6).merge(b).addBatch(correlated(rnd, 200), 200).addBatch(anticorrelated(rnd, 400), 400);
        p = t.update("m", "v", BLOCKS, stats(1200), Map.of("mlp0", c, "mlp1", c), true, planner);
        double change = p.blocks().get(0).covarianceChange();
        assertTrue(change < 0.2, "change " + change);
        // the change is the relative Frobenius distance of the kept (0, 1, 2) x removed (3, 4, 5) block
        double num = 0;
        double den = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 3; j < 6; j++) {
                double x = c.covariance(i, j);
                double y = b.covariance(i, j);
                num += (x - y) * (x - y);
                den += x * x;
            }
        }
        assertEquals(Math.sqrt(num / den), change, 1e-12);
        assertTrue(p.ready());
        // moments behind the covariance snapshot (1200 co-moment samples against 40): not ready until they catch up
        ConvergenceTracker behind = new ConvergenceTracker(10, 0.5, 10, 100, 0.2);
        behind.update("m", "v", BLOCKS, stats(10), Map.of("mlp0", b, "mlp1", b), true, planner);
        ConvergenceTracker.Progress lagging = behind.update("m", "v", BLOCKS, stats(40), Map.of("mlp0", c, "mlp1", c), true, planner);
        assertTrue(lagging.blocks().get(0).covarianceChange() < 0.2);
        assertFalse(lagging.ready(), "the moments (40) are older than the covariance (1200)");
        assertTrue(behind.update("m", "v", BLOCKS, stats(1200), Map.of("mlp0", c, "mlp1", c), true, planner).ready());
        assertEquals(1200, p.blocks().get(1).covarianceSamples());

        // the moments stopped growing (no plan snapshot), the co-moments did not: the covariance is still compared
        CoMoments d = CoMoments.empty(6).merge(c).addBatch(anticorrelated(rnd, 1200), 1200);
        p = t.update("m", "v", BLOCKS, stats(1200), Map.of("mlp0", d, "mlp1", d), true, planner);
        assertTrue(p.blocks().get(0).covarianceChange() != change, "a new covariance snapshot without a plan snapshot");
        assertEquals(2400, p.blocks().get(0).covarianceSamples());
    }

    private static float[] correlated(SplittableRandom rnd, int rows) {
        float[] x = new float[rows * 6];
        for (int r = 0; r < rows; r++) {
            double z = rnd.nextDouble() - 0.5;
            for (int j = 0; j < 6; j++) {
                x[r * 6 + j] = (float) (z + 0.1 * (rnd.nextDouble() - 0.5));
            }
        }
        return x;
    }

    private static float[] anticorrelated(SplittableRandom rnd, int rows) {
        float[] x = new float[rows * 6];
        for (int r = 0; r < rows; r++) {
            double z = rnd.nextDouble() - 0.5;
            for (int j = 0; j < 6; j++) {
                x[r * 6 + j] = (float) ((j < 3 ? z : -z) + 0.1 * (rnd.nextDouble() - 0.5));
            }
        }
        return x;
    }

    @Test
    void thresholdsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ConvergenceTracker(0, 0.9, 10));
        assertThrows(IllegalArgumentException.class, () -> new ConvergenceTracker(10, 1.5, 10));
        assertThrows(IllegalArgumentException.class, () -> new ConvergenceTracker(10, 0.9, 10, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new ConvergenceTracker(10, 0.9, 10, 10, 0));
    }

    private static BlockPlan plan(String block, int[] kept) {
        int width = 6;
        List<Integer> removed = new ArrayList<>();
        for (int j = 0; j < width; j++) {
            final int jj = j;
            if (java.util.Arrays.stream(kept).noneMatch(k -> k == jj)) {
                removed.add(j);
            }
        }
        return new BlockPlan(block, width, kept, removed.stream().mapToInt(Integer::intValue).toArray());
    }

    private static Map<String, Moments> stats(long n) {
        return Map.of("mlp0", Moments.of(n, new double[6], new double[6]), "mlp1", Moments.of(n, new double[6], new double[6]));
    }
}
