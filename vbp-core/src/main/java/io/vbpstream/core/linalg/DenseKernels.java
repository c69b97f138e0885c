package io.vbpstream.core.linalg;

import java.nio.DoubleBuffer;

/**
 * The dense double-precision kernels the reconstruction criterion and the least-squares fold need, on row-major
 * matrices held in {@link DoubleBuffer}s: each operand is a buffer, the index of its first element and its leading
 * dimension (the distance between the starts of two rows), so a block of a larger matrix is passed in place.
 *
 * <p>{@link #best()} is OpenBLAS's LAPACK and BLAS (bytedeco's build, natives bundled for linux-x86_64) where it
 * loads, else {@link JavaKernels} (EJML's factorisations and plain loops); {@code -Dvbp.linalg=java} or
 * {@code VBP_LINALG=java} forces the second, {@code openblas} makes a failure to load an error.
 */
public interface DenseKernels {

    /** The system property (and, upper-cased with {@code _}, the environment variable) that picks the kernels. */
    String PROPERTY = "vbp.linalg";

    /**
     * The kernels this JVM uses: chosen once, on first use.
     *
     * @throws IllegalStateException where the {@value #PROPERTY} setting cannot be honoured ({@link #settingProblem})
     */
    static DenseKernels best() {
        if (KernelChoice.PROBLEM != null) {
            throw new IllegalStateException(KernelChoice.PROBLEM);
        }
        return KernelChoice.BEST;
    }

    /**
     * Why the {@value #PROPERTY} setting cannot be honoured (not {@code auto}, {@code openblas} or {@code java}, or
     * {@code openblas} where it does not load), or null: for a service to check at start-up.
     */
    static String settingProblem() {
        return KernelChoice.PROBLEM;
    }

    /** The Java kernels, whatever {@link #best()} is. */
    static DenseKernels plainJava() {
        return new JavaKernels();
    }

    /**
     * OpenBLAS's kernels, whatever {@link #best()} is.
     *
     * @throws UnsatisfiedLinkError where its natives do not load (no build for this platform, no writable cache)
     */
    static DenseKernels openBlas() {
        return OpenBlasKernels.load();
    }

    /** Where {@link #best()} is not OpenBLAS, why (an empty string where it is). */
    static String fallbackReason() {
        return KernelChoice.REASON;
    }

    /** {@code openblas} or {@code java}. */
    String name();

    /** Whether a {@link Workspace}'s buffers are on the Java heap (else native memory). */
    boolean onHeap();

    /** Buffers for one computation, to be closed when it ends. */
    Workspace workspace();

    /**
     * The buffers of one computation, freed together by {@link #close()}: native memory for OpenBLAS (freed then,
     * not at some later garbage collection), heap arrays for the Java kernels. A buffer must not be used after.
     */
    interface Workspace extends AutoCloseable {

        /** A zeroed buffer of {@code length} doubles these kernels can work on. */
        DoubleBuffer allocate(int length);

        @Override
        void close();
    }

    /**
     * {@code C = alpha · op(A) · op(B) + beta · C}, {@code op(A)} {@code m x k}, {@code op(B)} {@code k x n}.
     * C must not share elements with A or B.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
              DoubleBuffer a, int offA, int lda, DoubleBuffer b, int offB, int ldb,
              double beta, DoubleBuffer c, int offC, int ldc);

    /**
     * Replaces the symmetric positive definite {@code n x n} matrix (both triangles given, leading dimension n) by
     * its inverse, both triangles, through its Cholesky factor.
     *
     * @return false, the matrix left undefined, when it is not positive definite
     * @throws IllegalStateException when the library fails otherwise (an illegal argument, no memory)
     */
    boolean invertSpd(DoubleBuffer a, int n);

    /**
     * Solves {@code A X = B} for the symmetric positive definite {@code n x n} A (consumed) by its Cholesky factor;
     * B ({@code n x nrhs}) is replaced by X.
     *
     * @return false, both left undefined, when A is not positive definite
     */
    boolean solveSpd(DoubleBuffer a, int n, DoubleBuffer b, int nrhs);
}
