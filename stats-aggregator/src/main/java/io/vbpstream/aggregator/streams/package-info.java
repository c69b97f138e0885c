/**
 * The topology, its two merge processors, validation, the stored values, the emission of whole blocks, the retention
 * of superseded versions, the deletion of merged co-moment records, and the records a processor fails on
 * unexpectedly skipped.
 *
 * <p>Classes: {@code AggregatorTopology}, {@code MomentsMergeProcessor}, {@code CoMomentsMergeProcessor},
 * {@code DeltaValidator}, {@code TileValidator}, {@code Validation} (the refusals both share: key, decoding, width,
 * {@code OVERFLOW}, the list of reasons), {@code DeltaRejected}, {@code DeadLetters}, {@code RunningMoments},
 * {@code RunningTile} (and the {@code MergeEnvelope} both are stored in, with their serde), {@code StagedDeltas} (a
 * co-moments delta's tiles until the block's delta is whole), {@code DeltaMerge} (a complete staged delta's tiles
 * merged together, or the delta refused naming the tile), {@code DecodedValues} (the moments
 * processor's decoded copies of hot keys' running values), {@code TileIndex} (the in-memory index of the tile store:
 * each block's geometry and tile counts, the blocks changed since they were emitted), {@code BlockEmitter} (the
 * changed, consistent blocks emitted whole, up to {@code comoments-emit-bytes} a punctuation), {@code BlockSummary},
 * {@code RetiredVersions}, {@code VersionsStoreUpdater}, {@code MergeListener}, {@code MergedCoMomentsPurge},
 * {@code SkipFailedRecords} (the {@code processing.exception.handler}: an unexpected exception skips its record,
 * logged and counted).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator.streams;
