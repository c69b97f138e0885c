package io.vbpstream.core.linalg;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.presets.openblas_nolapack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

/**
 * OpenBLAS's {@code cblas_dgemm} and LAPACK's {@code dpotrf}/{@code dpotri}/{@code dpotrs} on direct buffers, passed
 * by address (no copies). One BLAS thread per call: the callers already run one block per core.
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
    public DoubleBuffer allocate(int length) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(length, Double.BYTES)).order(ByteOrder.nativeOrder())
                .asDoubleBuffer();
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
        if (openblas.LAPACKE_dpotrf(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, direct(a), n) != 0
                || openblas.LAPACKE_dpotri(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, a, n) != 0) {
            return false;
        }
        for (int i = 0; i < n; i++) { // dpotri leaves the lower triangle: mirror it
            for (int j = i + 1; j < n; j++) {
                a.put(i * n + j, a.get(j * n + i));
            }
        }
        return true;
    }

    @Override
    public boolean solveSpd(DoubleBuffer a, int n, DoubleBuffer b, int nrhs) {
        return openblas.LAPACKE_dpotrf(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, direct(a), n) == 0
                && openblas.LAPACKE_dpotrs(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, nrhs, a, n, direct(b), nrhs) == 0;
    }

    private static DoubleBuffer direct(DoubleBuffer b) {
        if (!b.isDirect()) {
            throw new IllegalArgumentException("OpenBLAS works on direct buffers: allocate them with allocate()");
        }
        return b;
    }

    /** The buffer from element {@code offset}: natives take a buffer's address, not its position. */
    private static DoubleBuffer from(DoubleBuffer b, int offset) {
        return offset == 0 ? b : b.slice(offset, b.capacity() - offset);
    }
}
