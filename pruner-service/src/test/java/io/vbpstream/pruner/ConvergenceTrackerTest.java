package io.vbpstream.pruner;

import io.vbpstream.core.prune.BlockPlan;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.pruner.convergence.ConvergenceTracker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    void thresholdsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ConvergenceTracker(0, 0.9, 10));
        assertThrows(IllegalArgumentException.class, () -> new ConvergenceTracker(10, 1.5, 10));
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
