/**
 * The pruning step and its schedule, the gate (its sample, its early stop), the records; the prune's heap handed back
 * before the gate.
 *
 * <p>Classes: {@code PruningStep}, {@code RecompressionSchedule} (the next step's policy towards the final target, the
 * policy convergence compares, and the start-up check of the policy settings; pure), {@code CandidateBuilder},
 * {@code CandidateGate}, {@code PolicyRequest}, {@code VersionModels}, {@code VersionModel}, {@code RecentImages},
 * {@code RecentRecords} (its Kafka side: group-less {@code read_committed} readers polled to given end offsets),
 * {@code SampleCollector} (spans of {@code images} records decoded and preprocessed into one array, gaps closed),
 * {@code ValidationGate}, {@code SequentialVerdict}, {@code VersionPublisher}, {@code LargeStackWorker} (the heap a
 * prune needed is handed back by vbp-core's {@code UnusedHeap}).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.prune;
