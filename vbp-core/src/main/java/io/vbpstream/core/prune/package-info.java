/**
 * Scoring, the reconstruction criterion's greedy order (structured OBS), planning (uniform/global, ratio/MACs target),
 * slicing, mean-shift or least-squares folding, the covariance convergence measure, reports.
 *
 * <p>Classes: {@code Criterion}, {@code Allocation}, {@code Compensation}, {@code PruningTarget},
 * {@code PruningPolicy}, {@code NeuronScorer}, {@code NeuronRanking} (per block, the order a criterion gives its
 * neurons up in, and what global allocation ranks), {@code PlanBuilder}, {@code PruningPlan}, {@code BlockPlan},
 * {@code ModelPruner} (the graph surgery), {@code Fc2Compensation} (the mean-shift and least-squares numerics),
 * {@code WeightLayout} (the two weight layouts, in one place), {@code LineageMetadata} (the lineage in
 * {@code metadata_props}), {@code LeastSquares}, {@code ReconstructionOrder}, {@code Downdates} (its greedy loop, in place),
 * {@code CovarianceChange},
 * {@code Pruning}, {@code PruningReport}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.prune;
