package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One co-moment tile's running totals in the {@code running-comoments} store: the merged tile, how many deltas went
 * into it, and when the last one was merged. Stored as {@code VBPT} version 1: magic (4 bytes), version (1), deltas
 * (int64), last merge time in epoch ms (int64), then a {@code CoMomentsCodec} record.
 */
public record RunningTile(CoMomentsTile tile, long deltas, long lastMergedAt) {

    static final int MAGIC = 0x56425054; // "VBPT"
    static final byte VERSION = 1;
    private static final int HEADER = 4 + 1 + 8 + 8;

    public RunningTile merge(CoMomentsTile delta, long at) {
        return new RunningTile(tile.merge(delta), deltas + 1, Math.max(lastMergedAt, at));
    }

    public static RunningTile first(CoMomentsTile delta, long at) {
        return new RunningTile(delta, 1, at);
    }

    public byte[] encode() {
        byte[] record = CoMomentsCodec.encode(tile);
        return ByteBuffer.allocate(HEADER + record.length).order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC).put(VERSION).putLong(deltas).putLong(lastMergedAt).put(record).array();
    }

    public static RunningTile decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            throw new IllegalStateException("running-comoments value of " + (bytes == null ? 0 : bytes.length) + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        if (buf.getInt() != MAGIC || buf.get() != VERSION) {
            throw new IllegalStateException("running-comoments value is not VBPT version " + VERSION);
        }
        long deltas = buf.getLong();
        long last = buf.getLong();
        return new RunningTile(CoMomentsCodec.decode(Arrays.copyOfRange(bytes, HEADER, bytes.length)), deltas, last);
    }
}
