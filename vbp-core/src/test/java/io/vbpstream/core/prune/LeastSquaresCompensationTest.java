package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.SyntheticModels;
import io.vbpstream.core.stats.ModelStatistics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Least-squares compensation on a model built so that the removed neurons are exact linear combinations of the kept
 * ones: a ReLU MLP whose pre-activations are all positive (so the hidden layer is affine in the input), with 12 inputs,
 * 12 independent "kept" neurons and 20 more whose fc1 columns are small combinations of the kept ones' (so they have
 * the lowest variance and are the ones VBP removes).
 */
class LeastSquaresCompensationTest {

    private static final int IN = 12;
    private static final int HIDDEN = 32;
    private static final int OUT = 6;

    private static ModelProto dependentNeurons() {
        ModelProto m = SyntheticModels.mlp(SyntheticModels.Style.RELU, IN, HIDDEN, OUT, 4, true);
        SplittableRandom rng = new SplittableRandom(5);
        float[] w1 = new float[IN * HIDDEN]; // [in, hidden]
        for (int i = 0; i < IN; i++) {
            for (int k = 0; k < IN; k++) {
                w1[i * HIDDEN + k] = (float) rng.nextGaussian();
            }
        }
        for (int p = IN; p < HIDDEN; p++) {
            double[] a = new double[IN];
            for (int k = 0; k < IN; k++) {
                a[k] = 0.05 * (rng.nextDouble() * 2 - 1);
            }
            for (int i = 0; i < IN; i++) {
                double v = 0;
                for (int k = 0; k < IN; k++) {
                    v += a[k] * w1[i * HIDDEN + k];
                }
                w1[i * HIDDEN + p] = (float) v;
            }
        }
        float[] b1 = new float[HIDDEN];
        java.util.Arrays.fill(b1, 10f); // |x W1| stays far below 10 for inputs of scale 0.1: ReLU is the identity here
        m = SyntheticModels.withInitializer(m, "fc1.weight", w1);
        return SyntheticModels.withInitializer(m, "fc1.bias", b1);
    }

    private static float[] run(ModelProto m, float[] x, long[] shape) {
        return PruneTestSupport.run(m, x, shape);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        return PruneTestSupport.maxAbsDiff(a, b);
    }

    private static PruningPolicy policy(Compensation c, double ratio) {
        return PruningPolicy.of(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.NeuronRatio(ratio), c).withRidge(0);
    }

    @Test
    void removedNeuronsThatAreLinearInTheKeptOnesLeaveTheOutputsUnchanged() {
        ModelProto parent = dependentNeurons();
        List<MlpBlock> blocks = MlpBlockFinder.find(parent);
        float[] x = SyntheticModels.random(new SplittableRandom(1), 512 * IN, 0.1);
        ModelStatistics stats = PruneTestSupport.statsWithCoMoments(parent, blocks, x, new long[] {128, 4, IN});
        double ratio = (double) (HIDDEN - IN) / HIDDEN;
        Pruning.Result ls = Pruning.run(parent, "test", stats, policy(Compensation.LEAST_SQUARES, ratio), null);
        assertEquals(IN, MlpBlockFinder.find(ls.model()).get(0).width());
        assertTrue(java.util.Arrays.stream(ls.plan().blocks().get(0).kept()).allMatch(j -> j < IN),
                "the 20 dependent, low-variance neurons are the ones removed");
        ModelProto mean = Pruning.run(parent, "test", stats, policy(Compensation.MEAN, ratio), null).model();

        float[] test = SyntheticModels.random(new SplittableRandom(2), 256 * IN, 0.1);
        long[] shape = {64, 4, IN};
        float[] expected = run(parent, test, shape);
        double lsError = maxAbsDiff(expected, run(ls.model(), test, shape));
        double meanError = maxAbsDiff(expected, run(mean, test, shape));
        assertTrue(lsError < 1e-5, "least squares reproduces the parent on unseen inputs, max diff " + lsError);
        assertTrue(meanError > 1e-2, "the mean shift cannot (else this test proves nothing): " + meanError);
        assertEquals("least-squares", LineageMetadata.read(ls.model()).get("vbp.compensation"));
        assertEquals("0.0", LineageMetadata.read(ls.model()).get("vbp.ridge_alpha"));
    }

    @Test
    void ratioZeroIsBitIdentical() {
        ModelProto parent = dependentNeurons();
        List<MlpBlock> blocks = MlpBlockFinder.find(parent);
        float[] x = SyntheticModels.random(new SplittableRandom(1), 64 * IN, 0.1);
        ModelStatistics stats = PruneTestSupport.statsWithCoMoments(parent, blocks, x, new long[] {16, 4, IN});
        ModelProto same = Pruning.run(parent, "test", stats, policy(Compensation.LEAST_SQUARES, 0).withRidge(1e-3), null).model();
        assertEquals(parent.getGraph(), same.getGraph());
    }

    @Test
    void withoutCovarianceOrWithASingularOneItSaysWhatToDo() {
        ModelProto parent = dependentNeurons();
        List<MlpBlock> blocks = MlpBlockFinder.find(parent);
        float[] x = SyntheticModels.random(new SplittableRandom(1), 64 * IN, 0.1);
        ModelStatistics moments = PruneTestSupport.stats(parent, blocks, x, new long[] {16, 4, IN});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pruning.run(parent, "test", moments, policy(Compensation.LEAST_SQUARES, 0.5), null));
        assertTrue(e.getMessage().contains("--covariance"), e.getMessage());
        // keeping 16 of 32 neurons that span only 12 dimensions: singular without a ridge, solvable with one
        ModelStatistics full = PruneTestSupport.statsWithCoMoments(parent, blocks, x, new long[] {16, 4, IN});
        PruningPolicy keep16 = PruningPolicy.of(Criterion.MAGNITUDE, Allocation.UNIFORM, new PruningTarget.NeuronRatio(0.5),
                Compensation.LEAST_SQUARES);
        IllegalArgumentException singular = assertThrows(IllegalArgumentException.class,
                () -> Pruning.run(parent, "test", full, keep16.withRidge(0), null));
        assertTrue(singular.getMessage().contains("ridge"), singular.getMessage());
        assertEquals(16, MlpBlockFinder.find(Pruning.run(parent, "test", full, keep16, null).model()).get(0).width());
    }
}
