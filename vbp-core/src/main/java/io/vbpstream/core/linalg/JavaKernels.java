package io.vbpstream.core.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.nio.DoubleBuffer;

/**
 * The kernels on the Java heap: EJML's Cholesky for the factorisations (the matrix copied in and out), plain loops
 * for the products. What runs where OpenBLAS's natives do not; about an order of magnitude slower on large blocks.
 */
final class JavaKernels implements DenseKernels {

    @Override
    public String name() {
        return "java";
    }

    @Override
    public boolean onHeap() {
        return true;
    }

    @Override
    public Workspace workspace() {
        return new Workspace() {
            @Override
            public DoubleBuffer allocate(int length) {
                return DoubleBuffer.wrap(new double[length]);
            }

            @Override
            public void close() {
                // heap arrays: the garbage collector's
            }
        };
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     DoubleBuffer a, int offA, int lda, DoubleBuffer b, int offB, int ldb,
                     double beta, DoubleBuffer c, int offC, int ldc) {
        double[] av = array(a);
        double[] cv = array(c);
        int ao = a.arrayOffset() + offA;
        int co = c.arrayOffset() + offC;
        double[] bv;
        int bo;
        int bld;
        if (transB) { // op(B) copied row by row once, so that the inner loop below runs along contiguous memory
            double[] src = array(b);
            int so = b.arrayOffset() + offB;
            bv = new double[k * n];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    bv[p * n + j] = src[so + j * ldb + p];
                }
            }
            bo = 0;
            bld = n;
        } else {
            bv = array(b);
            bo = b.arrayOffset() + offB;
            bld = ldb;
        }
        double[] row = new double[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(row, 0);
            for (int p = 0; p < k; p++) {
                double s = transA ? av[ao + p * lda + i] : av[ao + i * lda + p];
                if (s == 0) {
                    continue;
                }
                int base = bo + p * bld;
                for (int j = 0; j < n; j++) {
                    row[j] += s * bv[base + j];
                }
            }
            int base = co + i * ldc;
            for (int j = 0; j < n; j++) {
                cv[base + j] = (beta == 0 ? 0 : beta * cv[base + j]) + alpha * row[j];
            }
        }
    }

    @Override
    public boolean invertSpd(DoubleBuffer a, int n) {
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(n);
        if (!chol.setA(copy(a, n, n))) {
            return false;
        }
        DMatrixRMaj inverse = new DMatrixRMaj(n, n);
        chol.invert(inverse);
        a.put(0, inverse.data, 0, n * n);
        return true;
    }

    @Override
    public boolean solveSpd(DoubleBuffer a, int n, DoubleBuffer b, int nrhs) {
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(n);
        if (!chol.setA(copy(a, n, n))) {
            return false;
        }
        DMatrixRMaj x = new DMatrixRMaj(n, nrhs);
        chol.solve(copy(b, n, nrhs), x);
        b.put(0, x.data, 0, n * nrhs);
        return true;
    }

    private static DMatrixRMaj copy(DoubleBuffer from, int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        from.get(0, m.data, 0, rows * cols);
        return m;
    }

    private static double[] array(DoubleBuffer b) {
        if (!b.hasArray()) {
            throw new IllegalArgumentException("the Java kernels work on heap buffers: allocate them from their workspace()");
        }
        return b.array();
    }
}
