package io.vbpstream.core.prune;

import io.vbpstream.core.stats.CoMoments;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The order in which {@link Criterion#RECONSTRUCTION} removes a block's neurons: greedy structured Optimal Brain
 * Surgeon on the centred covariance. With {@code H = Σ + λI} ({@code λ = α · mean(diag Σ)} over the whole block, α
 * the ridge of {@link LeastSquares}) over the neurons still
 * kept and fc2's rows {@code w_j} as compensated so far, removing neuron j and refitting the rest by least squares
 * adds {@code ‖w_j‖² / [H⁻¹]_jj} to the expected squared output error. Each step removes the chunk with the lowest
 * such errors jointly (error {@code tr(W_Pᵀ [H⁻¹]_PP⁻¹ W_P)}), compensates the kept rows
 * ({@code W_R -= [H⁻¹]_RP [H⁻¹]_PP⁻¹ W_P}) and downdates the inverse by the Schur complement
 * ({@code [H⁻¹]_RR -= [H⁻¹]_RP [H⁻¹]_PP⁻¹ [H⁻¹]_PR}), which is the inverse of {@code H_RR}. The factorisations are
 * EJML's; only the downdate loop is here. The compensation actually applied is the least-squares fold on the final
 * kept set, which these accumulated updates equal but for the ridge: the fold's λ is α times the mean variance of the
 * kept neurons only.
 */
final class ReconstructionOrder {

    /**
     * @param neurons the removed neurons, first removed first
     * @param errors  the output error each removal added (a chunk's joint error shared equally by its neurons)
     * @param energy  the block's output energy {@code tr(W2ᵀ Σ W2)}: what the errors are measured against
     */
    record Order(int[] neurons, double[] errors, double energy) {

        /** The errors made non-decreasing along the order (a running maximum): any prefix is then the cheapest. */
        double[] monotoneErrors() {
            double[] out = errors.clone();
            for (int i = 1; i < out.length; i++) {
                out[i] = Math.max(out[i], out[i - 1]);
            }
            return out;
        }
    }

    private ReconstructionOrder() {
    }

    /**
     * @param w2    fc2's weights, row-major {@code width x out} (one row per hidden neuron)
     * @param alpha the ridge α: {@code λ = α · mean(diag Σ)}
     * @param stop  how many neurons to remove at most (the rest are never ranked)
     * @param chunk neurons removed per step (1: one at a time)
     */
    static Order compute(CoMoments c, double[] w2, int out, double alpha, int stop, int chunk) {
        int w = c.width();
        if (c.count() < 2) {
            throw new IllegalArgumentException("the reconstruction criterion needs the covariance of at least 2 samples, have " + c.count());
        }
        if (w2.length != (long) w * out) {
            throw new IllegalArgumentException("fc2 has " + w2.length + " weights, expected " + w + " x " + out);
        }
        if (stop < 0 || stop > w || chunk < 1) {
            throw new IllegalArgumentException("stop must be in [0, " + w + "] and chunk at least 1, got " + stop + ", " + chunk);
        }
        DMatrixRMaj sigma = new DMatrixRMaj(w, w);
        double trace = 0;
        for (int i = 0; i < w; i++) {
            for (int j = i; j < w; j++) {
                double v = c.covariance(i, j);
                sigma.unsafe_set(i, j, v);
                sigma.unsafe_set(j, i, v);
            }
            trace += sigma.unsafe_get(i, i);
        }
        DMatrixRMaj weights = new DMatrixRMaj(w, out);
        System.arraycopy(w2, 0, weights.data, 0, w2.length);
        double energy = outputEnergy(sigma, weights);
        double lambda = alpha * trace / w;
        DMatrixRMaj h = sigma;
        for (int i = 0; i < w; i++) {
            h.unsafe_set(i, i, h.unsafe_get(i, i) + lambda);
        }
        DMatrixRMaj inverse = new DMatrixRMaj(w, w);
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(w);
        if (!chol.setA(h)) {
            throw new IllegalArgumentException("the covariance is not positive definite (" + w + " neurons, ridge "
                    + lambda + "); raise the ridge α above " + alpha);
        }
        chol.invert(inverse);
        // the covariance and the factorisation's copies are garbage from here: the loop's own copies take their place
        chol = null;
        sigma = null;
        h = null;
        return downdates(inverse, weights, out, stop, chunk, energy);
    }

    /** {@code tr(Wᵀ Σ W)}: the expected squared norm of the block's centred output. */
    static double outputEnergy(DMatrixRMaj sigma, DMatrixRMaj weights) {
        DMatrixRMaj sw = new DMatrixRMaj(sigma.numRows, weights.numCols);
        CommonOps_DDRM.mult(sigma, weights, sw);
        double e = 0;
        for (int i = 0; i < sw.data.length; i++) {
            e += sw.data[i] * weights.data[i];
        }
        return e;
    }

    /** The greedy loop on {@code inverse} (H⁻¹ of all neurons) and the weights, both consumed. */
    private static Order downdates(DMatrixRMaj inverse, DMatrixRMaj weights, int out, int stop, int chunk, double energy) {
        int[] active = IntStream.range(0, inverse.numRows).toArray();
        int[] removed = new int[stop];
        double[] errors = new double[stop];
        int done = 0;
        while (done < stop) {
            int n = active.length;
            int k = Math.min(chunk, stop - done);
            double[] score = new double[n];
            for (int i = 0; i < n; i++) {
                double norm = 0;
                for (int o = 0; o < out; o++) {
                    double x = weights.unsafe_get(i, o);
                    norm += x * x;
                }
                score[i] = tieRounded(norm / inverse.unsafe_get(i, i));
            }
            int[] cur = active;
            Integer[] byScore = IntStream.range(0, n).boxed().toArray(Integer[]::new);
            Arrays.sort(byScore, Comparator.comparingDouble((Integer i) -> score[i]).thenComparingInt(i -> cur[i]));
            boolean[] chosen = new boolean[n];
            int[] p = new int[k]; // in score order: a prefix of the order is then the chunk's cheapest neurons
            for (int q = 0; q < k; q++) {
                p[q] = byScore[q];
                chosen[p[q]] = true;
            }
            int[] r = IntStream.range(0, n).filter(i -> !chosen[i]).toArray();

            DMatrixRMaj pp = sub(inverse, p, p);
            DMatrixRMaj ppInv = new DMatrixRMaj(k, k);
            LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(k);
            if (!chol.setA(pp)) {
                throw new IllegalStateException("the downdated inverse lost positive definiteness; raise the ridge α");
            }
            chol.invert(ppInv);
            DMatrixRMaj wp = rows(weights, p);
            DMatrixRMaj ppInvWp = new DMatrixRMaj(k, out);
            CommonOps_DDRM.mult(ppInv, wp, ppInvWp);
            double joint = 0;
            for (int i = 0; i < wp.data.length; i++) {
                joint += wp.data[i] * ppInvWp.data[i];
            }
            for (int q = 0; q < k; q++) {
                removed[done + q] = active[p[q]];
                errors[done + q] = joint / k;
            }
            done += k;
            if (done == stop) {
                break;
            }
            DMatrixRMaj rp = sub(inverse, r, p);
            DMatrixRMaj gain = new DMatrixRMaj(r.length, k);
            CommonOps_DDRM.mult(rp, ppInv, gain);
            DMatrixRMaj wr = rows(weights, r);
            CommonOps_DDRM.multAdd(-1, gain, wp, wr);
            DMatrixRMaj rr = sub(inverse, r, r);
            CommonOps_DDRM.multAddTransB(-1, gain, rp, rr);
            inverse = rr;
            weights = wr;
            int[] next = new int[r.length];
            for (int i = 0; i < r.length; i++) {
                next[i] = active[r[i]];
            }
            active = next;
        }
        return new Order(removed, errors, energy);
    }

    /**
     * The score with its last 16 mantissa bits cleared (a relative 1e-11): errors equal but for rounding in the
     * inverse then tie exactly, and ties go to the lower neuron index.
     */
    static double tieRounded(double score) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(score) & ~0xFFFFL);
    }

    private static DMatrixRMaj sub(DMatrixRMaj m, int[] rows, int[] cols) {
        DMatrixRMaj out = new DMatrixRMaj(rows.length, cols.length);
        for (int i = 0; i < rows.length; i++) {
            int base = rows[i] * m.numCols;
            for (int j = 0; j < cols.length; j++) {
                out.data[i * cols.length + j] = m.data[base + cols[j]];
            }
        }
        return out;
    }

    private static DMatrixRMaj rows(DMatrixRMaj m, int[] rows) {
        DMatrixRMaj out = new DMatrixRMaj(rows.length, m.numCols);
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(m.data, rows[i] * m.numCols, out.data, i * m.numCols, m.numCols);
        }
        return out;
    }
}
