/**
 * Float64 per-neuron count/mean/M2 with the Chan merge, the versioned binary record, the statistics file; co-moment
 * matrices, their tiles (the grid of a width in tiles of a size: side, count, positions, {@code row.column} names) and
 * tile record; which tokens of an image are sampled for the co-moments.
 *
 * <p>Classes: {@code Moments}, {@code MomentsCodec}, {@code MomentsFormatException}, {@code ModelStatistics},
 * {@code CoMoments}, {@code BatchCoMoments} (one batch's co-moments from its samples), {@code GramBandMerge} (a
 * batch's Gram merged from the kernel's row bands), {@code CoMomentsTile}, {@code CoMomentsTiling} (a matrix cut into
 * tiles and reassembled), {@code TileGrid}, {@code CoMomentsCodec}, {@code TokenSampler} ({@code k} of an image's
 * {@code T} tokens, without replacement, from its seed).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.stats;
