/**
 * Benchmarks and experiments, run by {@code bench/run.sh}; their figures are recorded in {@code docs/BENCHMARKS.md} and
 * {@code docs/RESULTS.md}.
 *
 * <p>Classes: one main per benchmark or experiment ({@code PipelineBench}, {@code CollectorBench},
 * {@code AggregatorBench}, {@code PrunerBench}, {@code SoakBench}, {@code DeitBench}, {@code PreprocessBench},
 * {@code InstrumentationBench}, {@code ResultsSweep}, {@code CompensationSweep}, {@code SelectionSweep},
 * {@code CovarianceConvergence}); {@code PipelineBench}'s parts: {@code PipelineOptions} (its command line),
 * {@code PipelineReplay} (its traffic), {@code PipelineFollower} (each generation's CANDIDATE, verdict, prune and gate
 * times), {@code PipelineSampler} (RSS and heap once a second, when the statistics settled), {@code PipelineMeasures}
 * (the collector's rate against plain ONNX Runtime, memory, bytes per topic; {@code PrunerRound}'s too),
 * {@code PipelineReport}; {@code PrunerBench}'s: {@code PrunerRound} (what one pipeline round measured) and
 * {@code PrunerDeitTimings} (pruning and the gate on a DeiT shape); {@code Fixtures}, {@code ProcessMemory},
 * {@code ProcessCpu}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.bench;
