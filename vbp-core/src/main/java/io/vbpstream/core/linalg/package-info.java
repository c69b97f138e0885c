/**
 * Dense double-precision kernels for the reconstruction criterion and the least-squares fold: {@code DenseKernels}
 * (the interface and the choice, {@code vbp.linalg}), {@code KernelChoice}, {@code OpenBlasKernels} (bytedeco's
 * OpenBLAS: LAPACK's Cholesky inverse and solve, BLAS's {@code dgemm}, on direct buffers) and {@code JavaKernels}
 * (EJML and plain loops, where the natives do not load).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.linalg;
