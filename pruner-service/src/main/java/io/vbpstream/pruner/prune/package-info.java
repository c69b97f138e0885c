/**
 * The pruning step, the gate (its sample, its early stop), the records; the prune's heap handed back before the gate.
 *
 * <p>Classes: {@code PruningStep}, {@code CandidateBuilder}, {@code CandidateGate}, {@code PolicyRequest},
 * {@code VersionModels}, {@code VersionModel}, {@code RecentImages}, {@code ValidationGate}, {@code SequentialVerdict}, {@code VersionPublisher},
 * {@code LargeStackWorker} (the heap a prune needed is handed back by vbp-core's {@code UnusedHeap}).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.prune;
