package io.vbpstream.collector.pipeline;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.stats.CoMomentsCodec;

import java.time.Duration;

/**
 * The collector loop's settings, checked as they are built, and the batch and poll sizes they give a model.
 *
 * @param batchSize          the most images per inference call ({@link #imagesPerBatch})
 * @param maxBatchActivationBytes the largest MLP hidden tensor a batch may have
 * @param maxPollRecords     the most records a poll returns; polls are smaller when the model is slow (see
 *                           {@link #recordsPerPoll})
 * @param coMomentsFirst     samples before a version's first co-moments publication (later ones at each doubling,
 *                           {@link CoMomentsAccumulator})
 * @param coMomentsMaxAge    the longest co-moments are gathered before they are published
 * @param tileSize           side of the published co-moment tiles
 * @param gramRows           a block's sampled rows per Gram ({@link CoMomentsAccumulator})
 * @param transactionTimeout the producer's {@code transaction.timeout.ms}: the coordinator aborts a transaction
 *                           open longer; a window lasts at most {@code flushInterval} plus one batch
 */
public record LoopSettings(String instanceId, String group, int batchSize, long maxBatchActivationBytes,
                           int maxPollRecords, int flushImages,
                           Duration flushInterval, ImageDecoder.Limits limits, ImageIntake.RecordLimits recordLimits,
                           int topK, long coMomentsFirst,
                           Duration coMomentsMaxAge, int tileSize, int gramRows, Duration transactionTimeout) {
    /** Room a window needs above {@code flushInterval}: its last batch, and the commit itself. */
    public static final Duration WINDOW_MARGIN = Duration.ofSeconds(30);

    public LoopSettings {
        if (tileSize < 1 || tileSize > CoMomentsCodec.MAX_TILE) {
            throw new IllegalArgumentException("the co-moment tile size must be in [1, " + CoMomentsCodec.MAX_TILE
                    + "] (a tile must fit a 1 MB record), got " + tileSize);
        }
        if (transactionTimeout.compareTo(flushInterval.plus(WINDOW_MARGIN)) < 0) {
            throw new IllegalArgumentException("vbp.collector.transaction-timeout (" + transactionTimeout
                    + ") must be at least vbp.collector.flush.interval (" + flushInterval + ") plus "
                    + WINDOW_MARGIN.toSeconds() + " s for the window's last batch and its commit");
        }
    }

    /**
     * Images per inference call for a model whose largest hidden tensor takes {@code activationBytesPerImage} per
     * image: the configured size, or fewer so that a batch's stays within {@code maxBatchActivationBytes} (ONNX
     * Runtime's arena keeps the largest batch's intermediates), never fewer than one.
     */
    public int imagesPerBatch(long activationBytesPerImage) {
        if (activationBytesPerImage <= 0) {
            return batchSize;
        }
        long fit = Math.max(1, maxBatchActivationBytes / activationBytesPerImage);
        return (int) Math.min(batchSize, fit);
    }

    /**
     * Records per poll for a model that takes {@code imageNanos} per image: about one flush interval's worth, in whole
     * batches, between one batch and {@code maxPollRecords}. A poll of a slow model then stays well inside
     * {@code max.poll.interval.ms}, and a backlog does not put hundreds of images in reach of one window.
     */
    public int recordsPerPoll(int batch, long imageNanos) {
        if (imageNanos <= 0) {
            return Math.max(batch, maxPollRecords);
        }
        long perInterval = flushInterval.toNanos() / imageNanos;
        long batches = Math.max(1, (perInterval + batch - 1) / batch);
        long records = Math.min(batches * batch, Math.max(batch, maxPollRecords));
        return (int) records;
    }
}
