/**
 * Float64 per-neuron count/mean/M2 with the Chan merge, the versioned binary record, the statistics file; co-moment
 * matrices, their tiles (the grid of a width in tiles of a size: side, count, positions, {@code row.column} names) and
 * tile record.
 *
 * <p>Classes: {@code Moments}, {@code MomentsCodec}, {@code MomentsFormatException}, {@code ModelStatistics},
 * {@code CoMoments}, {@code CoMomentsTile}, {@code TileGrid}, {@code CoMomentsCodec}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.stats;
