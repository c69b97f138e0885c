/**
 * Benchmarks and experiments, run by {@code bench/run.sh}; their figures are recorded in {@code docs/BENCHMARKS.md} and
 * {@code docs/RESULTS.md}.
 *
 * <p>Classes: one main per benchmark or experiment ({@code PipelineBench}, {@code CollectorBench},
 * {@code AggregatorBench}, {@code PrunerBench}, {@code SoakBench}, {@code DeitBench}, {@code InstrumentationBench},
 * {@code ResultsSweep}, {@code CompensationSweep}, {@code CovarianceConvergence}, ...).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.bench;
