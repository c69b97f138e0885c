package io.vbpstream.core.prune;

import io.vbpstream.core.onnx.LinearLayer;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The numerics of {@link Compensation}, on fc2's weight as floats and in float64 sums: what the removed neurons'
 * rows of fc2 become. Mean shift folds {@code Σ_{j removed} μ_j · W2[j,:]} into the bias; least squares adds
 * {@code Δ = B·W2_P} (the removed neurons reconstructed from the kept ones, {@link LeastSquares}) to the kept rows and
 * folds {@code μ_P·W2_P − μ_K·Δ} into the bias. No graph here: {@link ModelPruner} writes the results.
 */
final class Fc2Compensation {

    private Fc2Compensation() {
    }

    /** {@code Δ = B·W2_P} of every block that loses neurons, solved in parallel (row-major {@code |K| x out}). */
    static Map<String, double[]> solveAll(List<MlpBlock> blocks, Map<String, BlockPlan> plans, ModelStatistics stats,
                                          double ridge) {
        List<MlpBlock> pruned = blocks.stream().filter(b -> plans.get(b.name()).removed().length > 0).toList();
        pruned.forEach(b -> requireCoMoments(stats, b, "least-squares compensation"));
        Map<String, double[]> out = new ConcurrentHashMap<>();
        pruned.parallelStream().forEach(b -> {
            BlockPlan plan = plans.get(b.name());
            LinearLayer fc2 = b.fc2();
            WeightLayout layout = WeightLayout.of(fc2);
            float[] w2 = Tensors.floats(fc2.weight());
            int outputs = fc2.outFeatures();
            int[] removed = plan.removed();
            double[] w2Removed = new double[removed.length * outputs];
            for (int p = 0; p < removed.length; p++) {
                for (int o = 0; o < outputs; o++) {
                    w2Removed[p * outputs + o] = w2[layout.at(removed[p], o)];
                }
            }
            out.put(b.name(), LeastSquares.reconstruction(stats.coMoments(b.name()), plan.kept(), removed, ridge,
                    w2Removed, outputs));
        });
        return out;
    }

    /** The block's co-moments, or a refusal saying that {@code purpose} needs them (or that their width is wrong). */
    static CoMoments requireCoMoments(ModelStatistics stats, MlpBlock block, String purpose) {
        if (stats == null || !stats.hasCoMoments(block.name())) {
            throw new IllegalArgumentException(purpose + " needs the activation covariance of block "
                    + block.name() + " (vbp stats --covariance, or the streamed statistics)");
        }
        CoMoments c = stats.coMoments(block.name());
        if (c.width() != block.width()) {
            throw new IllegalArgumentException("covariance for " + block.name() + " has width " + c.width()
                    + ", the block has " + block.width());
        }
        return c;
    }

    static Moments requireMoments(ModelStatistics stats, MlpBlock block) {
        if (stats == null) {
            throw new IllegalArgumentException("mean-shift compensation needs activation statistics");
        }
        Moments m = stats.get(block.name());
        if (m.width() != block.width()) {
            throw new IllegalArgumentException("statistics for " + block.name() + " have width " + m.width()
                    + ", the block has " + block.width());
        }
        return m;
    }

    /** {@code sum over removed j of mean_j * W2[j, :]}, accumulated in float64. */
    static double[] meanShift(MlpBlock block, BlockPlan plan, Moments moments, float[] w2) {
        WeightLayout layout = WeightLayout.of(block.fc2());
        double[] shift = new double[layout.outputs()];
        for (int j : plan.removed()) {
            double mu = moments.mean(j);
            for (int o = 0; o < shift.length; o++) {
                shift[o] += mu * w2[layout.at(j, o)];
            }
        }
        return shift;
    }

    /**
     * Adds {@code Δ} (from {@link #solveAll}) to the kept rows of fc2's weight ({@code w2Kept}, in place) and returns
     * the bias shift {@code μ_P·W2_P − μ_K·Δ}.
     */
    static double[] leastSquaresFold(MlpBlock block, BlockPlan plan, CoMoments c, double[] delta, float[] w2,
                                     float[] w2Kept) {
        int[] kept = plan.kept();
        WeightLayout keptLayout = WeightLayout.of(block.fc2()).withInputs(kept.length);
        int out = keptLayout.outputs();
        double[] shift = meanShift(block, plan, c.moments(), w2);
        for (int i = 0; i < kept.length; i++) {
            double muK = c.mean(kept[i]);
            for (int o = 0; o < out; o++) {
                double d = delta[i * out + o];
                int at = keptLayout.at(i, o);
                w2Kept[at] = (float) (w2Kept[at] + d);
                shift[o] -= muK * d;
            }
        }
        return shift;
    }
}
