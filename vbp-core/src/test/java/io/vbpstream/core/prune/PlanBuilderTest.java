package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.TestSupport;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanBuilderTest {

    private static ModelProto vit;
    private static List<MlpBlock> blocks;
    private static ModelStatistics stats;
    private static ModelCost cost;

    /** Synthetic statistics: block b's neuron j has variance (j + 1) * 10^b, so blocks differ by scale. */
    @BeforeAll
    static void setUp() {
        vit = TestSupport.model(TestSupport.fmnistModel());
        blocks = MlpBlockFinder.find(vit);
        cost = CostModel.analyse(vit, blocks, Map.of());
        stats = new ModelStatistics("s");
        SplittableRandom rng = new SplittableRandom(3);
        for (int b = 0; b < blocks.size(); b++) {
            double[] mean = new double[256];
            double[] m2 = new double[256];
            for (int j = 0; j < 256; j++) {
                mean[j] = rng.nextDouble();
                m2[j] = 100 * (j + 1) * Math.pow(10, b);
            }
            stats.block(blocks.get(b).name(), 256).merge(Moments.of(100, mean, m2));
        }
    }

    private static PlanBuilder builder(Criterion c, Allocation a, PruningTarget t) {
        return new PlanBuilder(blocks, stats, new PruningPolicy(c, a, t, Compensation.MEAN, 0.05, 7));
    }

    @Test
    void uniformVarianceRemovesTheLowestVarianceNeuronsOfEachBlock() {
        PruningPlan plan = builder(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.NeuronRatio(0.25)).build(cost);
        for (BlockPlan p : plan.blocks()) {
            assertEquals(64, p.removed().length);
            assertArrayEquals(java.util.stream.IntStream.range(0, 64).toArray(), p.removed());
            assertEquals(192, p.kept().length);
        }
        assertEquals(0.25, plan.removedFraction(), 1e-12);
    }

    @Test
    void globalAllocationUsesPerBlockZScoresAndKeepsTheMinimum() {
        // z-scores are scale-free: with identical shapes per block, global equals uniform at the same ratio
        PruningPlan global = builder(Criterion.VARIANCE, Allocation.GLOBAL, new PruningTarget.NeuronRatio(0.25)).build(cost);
        PruningPlan uniform = builder(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.NeuronRatio(0.25)).build(cost);
        assertEquals(uniform.keptWidths(), global.keptWidths());
        // raw variance ranked globally would strip block 0 (10^5 times smaller): z-scores do not
        PruningPlan deep = builder(Criterion.VARIANCE, Allocation.GLOBAL, new PruningTarget.NeuronRatio(0.9)).build(cost);
        deep.blocks().forEach(p -> assertTrue(p.keptWidth() >= 13, p.block() + " keeps the 5% minimum"));
        assertEquals(Math.round(0.9 * 6 * 256), deep.removedNeurons());
    }

    @Test
    void globalAllocationMovesBudgetToBlocksWithSkewedScores() {
        ModelStatistics skewed = new ModelStatistics("s");
        for (int b = 0; b < blocks.size(); b++) {
            double[] m2 = new double[256];
            for (int j = 0; j < 256; j++) {
                // block 0: most neurons near zero with a few large; others: spread evenly
                m2[j] = b == 0 ? (j < 240 ? 1 + j * 1e-3 : 1e4) : 1 + j;
            }
            skewed.block(blocks.get(b).name(), 256).merge(Moments.of(100, new double[256], m2));
        }
        PruningPlan plan = new PlanBuilder(blocks, skewed, PruningPolicy.of(Criterion.VARIANCE, Allocation.GLOBAL,
                new PruningTarget.NeuronRatio(0.5), Compensation.MEAN)).build(cost);
        assertTrue(plan.blocks().get(0).removed().length > plan.blocks().get(1).removed().length);
    }

    @Test
    void macsTargetIsMetWithTheFewestNeurons() {
        for (Allocation a : Allocation.values()) {
            PruningPlan plan = builder(Criterion.VARIANCE, a, new PruningTarget.MacsReduction(0.35)).build(cost);
            ModelCost after = cost.withWidths(plan.keptWidths());
            double reduction = after.macsReductionFrom(cost);
            assertTrue(reduction >= 0.35, a + ": " + reduction);
            assertTrue(reduction < 0.35 + 6.0 * cost.blocks().get(0).macsPerNeuron() / cost.macs(), a + " overshoots: " + reduction);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.MacsReduction(0.9)).build(cost));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void widthMultipleRoundsKeptWidthsDownAndStillMeetsTheTarget() {
        PruningPolicy aligned = PruningPolicy.of(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.MacsReduction(0.35),
                Compensation.MEAN).withWidthMultiple(64);
        PruningPlan plan = new PlanBuilder(blocks, stats, aligned).build(cost);
        plan.blocks().forEach(p -> assertEquals(0, p.keptWidth() % 64, p.block() + " kept " + p.keptWidth()));
        assertTrue(cost.withWidths(plan.keptWidths()).macsReductionFrom(cost) >= 0.35);
        // the extra neurons removed by rounding are the lowest-variance of those kept
        PruningPlan r = new PlanBuilder(blocks, stats, aligned.withWidthMultiple(64)).uniform(0.1);
        assertEquals(192, r.blocks().get(0).keptWidth());
        assertArrayEquals(java.util.stream.IntStream.range(0, 64).toArray(), r.blocks().get(0).removed());
        assertThrows(IllegalArgumentException.class, () -> aligned.withWidthMultiple(0));
    }

    @Test
    void criteriaScoreWhatTheyClaim() {
        MlpBlock b = blocks.get(0);
        double[] variance = NeuronScorer.score(b, 0, Criterion.VARIANCE, stats.get(b.name()), 0);
        double[] weighted = NeuronScorer.score(b, 0, Criterion.WEIGHTED_VARIANCE, stats.get(b.name()), 0);
        double[] w2 = NeuronScorer.rowNormsSquared(b.fc2());
        for (int j = 0; j < 256; j += 37) {
            assertEquals(variance[j] * w2[j], weighted[j], 1e-9 * weighted[j]);
        }
        double[] magnitude = NeuronScorer.score(b, 0, Criterion.MAGNITUDE, null, 0);
        assertTrue(Arrays.stream(magnitude).allMatch(x -> x > 0));
        double[] r1 = NeuronScorer.score(b, 0, Criterion.RANDOM, null, 1);
        assertArrayEquals(r1, NeuronScorer.score(b, 0, Criterion.RANDOM, null, 1), "seeded");
        assertNotEquals(Arrays.toString(r1), Arrays.toString(NeuronScorer.score(b, 0, Criterion.RANDOM, null, 2)));
        assertNotEquals(Arrays.toString(r1), Arrays.toString(NeuronScorer.score(b, 1, Criterion.RANDOM, null, 1)));
        assertThrows(IllegalArgumentException.class, () -> NeuronScorer.score(b, 0, Criterion.VARIANCE, null, 0));
        assertThrows(IllegalArgumentException.class, () -> NeuronScorer.score(b, 0, Criterion.VARIANCE, Moments.empty(3), 0));
        assertEquals(Criterion.WEIGHTED_VARIANCE, Criterion.parse("weighted-variance"));
        assertThrows(IllegalArgumentException.class, () -> Criterion.parse("entropy"));
    }

    @Test
    void reconstructionStepsOneNeuronAtATimeUpTo256AndAtMost256StepsBeyond() {
        assertEquals(1, PlanBuilder.reconstructionChunk(64));
        assertEquals(1, PlanBuilder.reconstructionChunk(256));
        assertEquals(2, PlanBuilder.reconstructionChunk(257));
        assertEquals(12, PlanBuilder.reconstructionChunk(3072));
    }

    @Test
    void reconstructionRemovesEachBlocksGreedyPrefixAndGlobalAllocationMeetsTargetsAndMinimum() {
        SplittableRandom rng = new SplittableRandom(11);
        int n = 48;
        float[] x = new float[n * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        ModelStatistics withCov = PruneTestSupport.statsWithCoMoments(vit, blocks, x, new long[] {n, 1, 28, 28});
        PruningPolicy uniform = new PruningPolicy(Criterion.RECONSTRUCTION, Allocation.UNIFORM,
                new PruningTarget.NeuronRatio(0.5), Compensation.LEAST_SQUARES, 0.05, 7);
        PruningPlan plan = new PlanBuilder(blocks, withCov, uniform).build(cost);
        for (int b = 0; b < blocks.size(); b++) {
            MlpBlock blk = blocks.get(b);
            ReconstructionOrder.Order order = ReconstructionOrder.compute(withCov.coMoments(blk.name()),
                    NeuronScorer.fc2Rows(blk.fc2()), blk.fc2().outFeatures(), uniform.ridge(), 256 - 13,
                    PlanBuilder.reconstructionChunk(256));
            int[] prefix = Arrays.copyOf(order.neurons(), 128);
            Arrays.sort(prefix);
            assertArrayEquals(prefix, plan.blocks().get(b).removed(), blk.name());
        }
        PruningPolicy global = new PruningPolicy(Criterion.RECONSTRUCTION, Allocation.GLOBAL,
                new PruningTarget.MacsReduction(0.35), Compensation.LEAST_SQUARES, 0.05, 7);
        PruningPlan g = new PlanBuilder(blocks, withCov, global).build(cost);
        long saved = g.blocks().stream().mapToLong(p -> p.removed().length * cost.byBlock().get(p.block()).macsPerNeuron()).sum();
        assertTrue(saved >= 0.35 * cost.macs(), "the MACs target is met");
        assertTrue(g.blocks().stream().allMatch(p -> p.kept().length >= Math.ceil(0.05 * 256)), "the minimum is kept");
        assertTrue(g.blocks().stream().mapToInt(p -> p.removed().length).distinct().count() > 1,
                "global allocation moves the budget between blocks");
        assertThrows(IllegalArgumentException.class, () -> new PlanBuilder(blocks, stats, uniform),
                "no covariance: a clear refusal");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PruningPolicy(
                Criterion.RECONSTRUCTION, Allocation.UNIFORM, new PruningTarget.NeuronRatio(0.5), Compensation.MEAN, 0.05, 7));
        assertTrue(e.getMessage().contains("least-squares"), e.getMessage());
        assertEquals(Criterion.RECONSTRUCTION, Criterion.parse("reconstruction"));
    }
}
