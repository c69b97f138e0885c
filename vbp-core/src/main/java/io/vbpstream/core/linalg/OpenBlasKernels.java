package io.vbpstream.core.linalg;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.presets.openblas_nolapack;

import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenBLAS's {@code cblas_dgemm}/{@code cblas_dtrsm} and LAPACK's {@code dpotrf}/{@code dpotri} on native memory
 * ({@link DoublePointer}s seen as {@link DoubleBuffer}s, passed by address). A symmetric row-major matrix is its own
 * column-major transpose, so LAPACK is called column-major on the upper triangle, which is the row-major lower one:
 * LAPACKE then makes no transposed copy. One BLAS thread per call: the callers already run one block per core.
 */
final class OpenBlasKernels implements DenseKernels {

    private OpenBlasKernels() {
    }

    /** Loads the natives (extracted once to JavaCPP's cache, {@code ~/.javacpp/cache} or {@code org.bytedeco.javacpp.cachedir}). */
    static OpenBlasKernels load() {
        Loader.load(openblas.class);
        openblas_nolapack.blas_set_num_threads(1);
        return new OpenBlasKernels();
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public boolean onHeap() {
        return false;
    }

    @Override
    public Workspace workspace() {
        return new Workspace() {
            private final List<DoublePointer> held = new ArrayList<>();

            @Override
            public DoubleBuffer allocate(int length) {
                DoublePointer p = new DoublePointer(Math.max(1, length));
                p.zero();
                held.add(p);
                return p.asBuffer();
            }

            @Override
            public void close() {
                held.forEach(DoublePointer::close);
                held.clear();
            }
        };
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     DoubleBuffer a, int offA, int lda, DoubleBuffer b, int offB, int ldb,
                     double beta, DoubleBuffer c, int offC, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        openblas.cblas_dgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans,
                transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, alpha,
                from(direct(a), offA), lda, from(direct(b), offB), ldb, beta, from(direct(c), offC), ldc);
    }

    @Override
    public boolean invertSpd(DoubleBuffer a, int n) {
        if (!factor(a, n) || !succeeded("dpotri", openblas.LAPACKE_dpotri(openblas.LAPACK_COL_MAJOR, (byte) 'U', n, a, n))) {
            return false;
        }
        for (int i = 0; i < n; i++) { // the inverse is in the row-major lower triangle: mirror it
            for (int j = i + 1; j < n; j++) {
                a.put(i * n + j, a.get(j * n + i));
            }
        }
        return true;
    }

    @Override
    public boolean solveSpd(DoubleBuffer a, int n, DoubleBuffer b, int nrhs) {
        if (!factor(a, n)) {
            return false;
        }
        // the row-major lower triangle holds L (A = L Lᵀ): B ← L⁻ᵀ (L⁻¹ B), row-major, in place
        DoubleBuffer bd = direct(b);
        openblas.cblas_dtrsm(openblas.CblasRowMajor, openblas.CblasLeft, openblas.CblasLower, openblas.CblasNoTrans,
                openblas.CblasNonUnit, n, nrhs, 1, a, n, bd, nrhs);
        openblas.cblas_dtrsm(openblas.CblasRowMajor, openblas.CblasLeft, openblas.CblasLower, openblas.CblasTrans,
                openblas.CblasNonUnit, n, nrhs, 1, a, n, bd, nrhs);
        return true;
    }

    /** Cholesky in place: the row-major lower triangle becomes L. */
    private static boolean factor(DoubleBuffer a, int n) {
        return succeeded("dpotrf", openblas.LAPACKE_dpotrf(openblas.LAPACK_COL_MAJOR, (byte) 'U', n, direct(a), n));
    }

    /** LAPACK's info: 0 done, positive not positive definite, negative an error of ours or the library's. */
    private static boolean succeeded(String routine, int info) {
        if (info < 0) {
            throw new IllegalStateException(routine + " failed with info " + info
                    + (info == -1010 ? " (out of memory)" : " (argument " + -info + " is illegal)"));
        }
        return info == 0;
    }

    private static DoubleBuffer direct(DoubleBuffer b) {
        if (!b.isDirect()) {
            throw new IllegalArgumentException("OpenBLAS works on native buffers: allocate them from its workspace()");
        }
        return b;
    }

    /** The buffer from element {@code offset}, as a slice (position 0): JavaCPP passes address + position. */
    private static DoubleBuffer from(DoubleBuffer b, int offset) {
        return b.slice(offset, b.capacity() - offset);
    }
}
