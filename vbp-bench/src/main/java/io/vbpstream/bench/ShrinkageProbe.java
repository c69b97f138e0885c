package io.vbpstream.bench;

import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.runtime.Evaluator;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 18's optional step, measured: Marchenko–Pastur clipping of each block's covariance before the least-squares
 * methods use it. On the block's correlation matrix (so that the noise level is 1), the eigenvalues below the MP edge
 * {@code (1 + √(w/n))²} are replaced by their mean (the trace kept), the diagonal is set back to 1 and the covariance
 * rebuilt. {@code n} is the samples (every token), or the images (the tokens of one image are far from independent).
 * The control row sends the covariance through the same float32 scatter unchanged.
 */
final class ShrinkageProbe {

    private static final double[] RATIOS = {0.8, 0.9};

    private ShrinkageProbe() {
    }

    static String table(Fixtures.Fmnist fm, ModelStatistics stats) throws Exception {
        Map<String, ModelStatistics> variants = new java.util.LinkedHashMap<>();
        variants.put("none (control: the same float32 scatter)", shrunk(stats, 0));
        variants.put("MP clipping, n = samples (tokens)", shrunk(stats, -1));
        variants.put("MP clipping, n = images", shrunk(stats, stats.images()));
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%nMarchenko–Pastur clipping of the covariance "
                + "(%d images):%n%n| ratio | selection and compensation | shrinkage | top-1 %% | %% of unpruned | clipped "
                + "eigenvalues per block (mean) |%n|---|---|---|---|---|---|%n", stats.images()));
        try (ModelSession original = new ModelSession(fm.model())) {
            int[] reference = Evaluator.predict(original, fm.test(), fm.pre(), 250, x -> { });
            double base = Evaluator.accuracy(reference, fm.test());
            for (double ratio : RATIOS) {
                for (SelectionSweep.Method m : SelectionSweep.METHODS.subList(2, 5)) {
                    for (Map.Entry<String, ModelStatistics> v : variants.entrySet()) {
                        double[] r = CompensationSweep.evaluate(fm.model(), fm.sha256(), v.getValue(),
                                m.policy(new PruningTarget.NeuronRatio(ratio)), fm.cost(), fm.test(), fm.pre(), reference);
                        md.append(String.format(Locale.ROOT, "| %.1f | %s | %s | %s | %.1f | %s |%n", ratio, m.name(),
                                v.getKey(), CompensationSweep.pct(r[0]), 100 * r[0] / base, CLIPPED.get(v.getValue())));
                        System.err.printf(Locale.ROOT, "shrinkage %.1f %s %s: %.4f%n", ratio, m.name(), v.getKey(), r[0]);
                    }
                }
            }
        }
        return md.toString();
    }

    private static final Map<ModelStatistics, String> CLIPPED = new java.util.IdentityHashMap<>();

    /** @param n the sample count of the MP edge: 0 no clipping, -1 each block's co-moment count */
    static ModelStatistics shrunk(ModelStatistics stats, long n) {
        ModelStatistics out = new ModelStatistics(stats.modelSha256());
        out.addImages(stats.images());
        List<Integer> clipped = new ArrayList<>();
        for (var e : stats.blocks().entrySet()) {
            out.block(e.getKey(), e.getValue().width()).merge(e.getValue());
            CoMoments c = stats.coMoments(e.getKey());
            int[] count = new int[1];
            out.putCoMoments(e.getKey(), clip(c, n == 0 ? 0 : n < 0 ? c.count() : n, count));
            clipped.add(count[0]);
        }
        CLIPPED.put(out, String.format(Locale.ROOT, "%.0f", clipped.stream().mapToInt(Integer::intValue).average().orElse(0)));
        return out;
    }

    private static CoMoments clip(CoMoments c, long n, int[] clipped) {
        int w = c.width();
        double[] d = new double[w];
        for (int i = 0; i < w; i++) {
            d[i] = Math.sqrt(c.covariance(i, i));
        }
        DMatrixRMaj corr = new DMatrixRMaj(w, w);
        for (int i = 0; i < w; i++) {
            for (int j = 0; j < w; j++) {
                corr.set(i, j, d[i] > 0 && d[j] > 0 ? c.covariance(i, j) / (d[i] * d[j]) : (i == j ? 1 : 0));
            }
        }
        if (n > 0) {
            double edge = Math.pow(1 + Math.sqrt((double) w / n), 2);
            EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(w, true, true);
            if (!eig.decompose(corr.copy())) {
                throw new IllegalStateException("eigendecomposition failed");
            }
            double below = 0;
            int k = 0;
            for (int i = 0; i < w; i++) {
                if (eig.getEigenvalue(i).real < edge) {
                    below += eig.getEigenvalue(i).real;
                    k++;
                }
            }
            double replaced = k == 0 ? 0 : below / k;
            DMatrixRMaj rebuilt = new DMatrixRMaj(w, w);
            for (int i = 0; i < w; i++) {
                double lambda = eig.getEigenvalue(i).real;
                DMatrixRMaj v = eig.getEigenVector(i);
                CommonOps_DDRM.multAddTransB(lambda < edge ? replaced : lambda, v, v, rebuilt);
            }
            for (int i = 0; i < w; i++) { // back to a correlation matrix
                double si = Math.sqrt(rebuilt.get(i, i));
                for (int j = 0; j < w; j++) {
                    corr.set(i, j, rebuilt.get(i, j) / (si * Math.sqrt(rebuilt.get(j, j))));
                }
            }
            clipped[0] = k;
        }
        float[] scatter = new float[w * w];
        double[] mean = new double[w];
        for (int i = 0; i < w; i++) {
            mean[i] = c.mean(i);
            for (int j = i; j < w; j++) {
                scatter[i * w + j] = (float) (corr.get(i, j) * d[i] * d[j] * c.count());
            }
        }
        return CoMoments.ofBatch(c.count(), mean, scatter);
    }
}
