package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A key's running statistics in the {@code running-moments} store: the merged moments, how many deltas went into
 * them, and when the last one was merged. Stored as {@code VBPR} version 1: magic (4 bytes), version (1), deltas
 * (int64), last merge time in epoch ms (int64), then a {@code MomentsCodec} record.
 */
public record RunningMoments(Moments moments, long deltas, long lastMergedAt) {

    static final int MAGIC = 0x56425052; // "VBPR"
    static final byte VERSION = 1;
    private static final int HEADER = 4 + 1 + 8 + 8;

    /** Merges {@code delta} into these moments (in place: a store value is decoded fresh for every merge). */
    public RunningMoments merge(Moments delta, long at) {
        return new RunningMoments(moments.merge(delta), deltas + 1, Math.max(lastMergedAt, at));
    }

    public static RunningMoments first(Moments delta, long at) {
        return new RunningMoments(delta, 1, at);
    }

    public byte[] encode() {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + MomentsCodec.encodedSize(moments.width())).order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC).put(VERSION).putLong(deltas).putLong(lastMergedAt);
        MomentsCodec.encode(moments, buf);
        return buf.array();
    }

    public static RunningMoments decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            throw new IllegalStateException("running-moments value of " + (bytes == null ? 0 : bytes.length) + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        if (buf.getInt() != MAGIC || buf.get() != VERSION) {
            throw new IllegalStateException("running-moments value is not VBPR version " + VERSION);
        }
        long deltas = buf.getLong();
        long last = buf.getLong();
        return new RunningMoments(MomentsCodec.decode(bytes, HEADER, bytes.length - HEADER), deltas, last);
    }
}
