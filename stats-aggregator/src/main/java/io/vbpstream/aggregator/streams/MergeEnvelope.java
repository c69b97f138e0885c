package io.vbpstream.aggregator.streams;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Function;

/**
 * The envelope both running stores' values share ({@code VBPR} around a moments record, {@code VBPT} around a tile):
 * magic (4 bytes), version (1), deltas merged (int64), last merge time in epoch ms (int64), big-endian, then the
 * record.
 *
 * @param deltas       deltas merged into the value
 * @param lastMergedAt epoch ms of the last merge
 */
record MergeEnvelope(long deltas, long lastMergedAt) {

    static final int SIZE = 4 + 1 + 8 + 8;

    /** A buffer for the envelope and a record of {@code recordBytes}, the envelope written, positioned at the record. */
    ByteBuffer open(int magic, byte version, int recordBytes) {
        return ByteBuffer.allocate(SIZE + recordBytes).order(ByteOrder.BIG_ENDIAN)
                .putInt(magic).put(version).putLong(deltas).putLong(lastMergedAt);
    }

    /**
     * The envelope of a stored value; the record follows at {@link #SIZE}.
     *
     * @param store the store's name, for the message
     * @param name  the format's four letters, for the message
     * @throws IllegalStateException if the value is too short or not this format's version
     */
    static MergeEnvelope read(byte[] bytes, int magic, byte version, String store, String name) {
        if (bytes == null || bytes.length < SIZE) {
            throw new IllegalStateException(store + " value of " + (bytes == null ? 0 : bytes.length) + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        if (buf.getInt() != magic || buf.get() != version) {
            throw new IllegalStateException(store + " value is not " + name + " version " + version);
        }
        return new MergeEnvelope(buf.getLong(), buf.getLong());
    }

    /** The serde of a store's values, nulls (tombstones) passed through. */
    static <T> Serde<T> serde(Function<T, byte[]> encode, Function<byte[], T> decode) {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : encode.apply(value),
                (topic, bytes) -> bytes == null ? null : decode.apply(bytes));
    }
}
