/**
 * N-min and kept-set stability per block; for least squares, the covariance's.
 *
 * <p>Classes: {@code ConvergenceTracker}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.convergence;
