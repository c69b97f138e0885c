/**
 * The topology, its two merge processors, validation, the stored values, the retention of superseded versions, and the
 * deletion of merged co-moment records.
 *
 * <p>Classes: {@code AggregatorTopology}, {@code MomentsMergeProcessor}, {@code CoMomentsMergeProcessor},
 * {@code DeltaValidator}, {@code TileValidator}, {@code DeltaRejected}, {@code DeadLetters}, {@code RunningMoments},
 * {@code RunningTile} (and the {@code MergeEnvelope} both are stored in, with their serde), {@code StagedDeltas} (a
 * co-moments delta's tiles until the block's delta is whole), {@code BlockSummary}, {@code RetiredVersions},
 * {@code VersionsStoreUpdater}, {@code MergeListener}, {@code MergedCoMomentsPurge}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator.streams;
