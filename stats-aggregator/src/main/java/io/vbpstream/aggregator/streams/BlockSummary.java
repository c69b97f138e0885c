package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.TileGrid;
import java.nio.ByteBuffer;

/**
 * What the {@code comoments-summary} store holds for one block, so that a query of a block's co-moments is answered
 * from a few bytes instead of decoding every tile (41 MB at DeiT-Base's width 3072): the matrix's geometry, the samples
 * every tile covers ({@code -1} when they disagree, which only a store from before deltas were merged whole can hold),
 * the deltas merged and when the last one was. Stored as {@code VBPB} version 1.
 */
public record BlockSummary(int width, int tileSize, long count, long deltas, long lastMergedAt) {

    static final int MAGIC = 0x56425042; // "VBPB"
    static final byte VERSION = 1;
    private static final int SIZE = 4 + 1 + 4 + 4 + 8 + 8 + 8;

    /** How many tiles cover the upper triangle. */
    public int expectedTiles() {
        return new TileGrid(width, tileSize).tiles();
    }

    public boolean consistent() {
        return count >= 0;
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).putInt(MAGIC).put(VERSION).putInt(width).putInt(tileSize).putLong(count)
                .putLong(deltas).putLong(lastMergedAt).array();
    }

    public static BlockSummary decode(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE) {
            throw new IllegalStateException("comoments-summary value of " + (bytes == null ? 0 : bytes.length) + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt() != MAGIC || b.get() != VERSION) {
            throw new IllegalStateException("comoments-summary value is not VBPB version " + VERSION);
        }
        return new BlockSummary(b.getInt(), b.getInt(), b.getLong(), b.getLong(), b.getLong());
    }
}
