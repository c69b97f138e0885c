package io.vbpstream.aggregator.streams;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Function;

/**
 * The envelope both running stores' values share ({@code VBPR} around a moments record, {@code VBPT} around a tile):
 * magic (4 bytes), version (1), deltas merged (int64), last merge time in epoch ms (int64), big-endian, then the
 * record. One instance per store, with what else its value type shares with the other: the counters a merge advances,
 * and the serde.
 *
 * @param magic   the format's four letters, as the int that opens a value
 * @param version the format's version
 * @param store   the store's name, for messages
 * @param name    the format's four letters, for messages
 * @param value   the value type's canonical constructor
 * @param <V>     the record: moments, a co-moment tile
 * @param <R>     the store's value: the record, the deltas merged into it and the epoch ms of the last merge
 */
record MergeEnvelope<V, R>(int magic, byte version, String store, String name, Value<V, R> value) {

    static final int SIZE = 4 + 1 + 8 + 8;

    /** Makes a store value of a record and its counters (the value type's canonical constructor). */
    interface Value<V, R> {
        R of(V record, long deltas, long lastMergedAt);
    }

    /** The value of a key's first delta, merged at {@code at}. */
    R first(V delta, long at) {
        return value.of(delta, 1, at);
    }

    /** The value of {@code merged}: a delta more than {@code deltas}, last merged at the later of the two times. */
    R next(V merged, long deltas, long lastMergedAt, long at) {
        return value.of(merged, deltas + 1, Math.max(lastMergedAt, at));
    }

    /** A buffer for the envelope and a record of {@code recordBytes}, the envelope written, positioned at the record. */
    ByteBuffer open(long deltas, long lastMergedAt, int recordBytes) {
        return ByteBuffer.allocate(SIZE + recordBytes).order(ByteOrder.BIG_ENDIAN)
                .putInt(magic).put(version).putLong(deltas).putLong(lastMergedAt);
    }

    /**
     * The value a stored value holds: the envelope's counters and the record {@code record} reads, from {@link #SIZE}.
     *
     * @throws IllegalStateException if the value is too short or not this format's version
     */
    R read(byte[] bytes, Function<byte[], V> record) {
        if (bytes == null || bytes.length < SIZE) {
            throw new IllegalStateException(store + " value of " + (bytes == null ? 0 : bytes.length) + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        if (buf.getInt() != magic || buf.get() != version) {
            throw new IllegalStateException(store + " value is not " + name + " version " + version);
        }
        long deltas = buf.getLong();
        long lastMergedAt = buf.getLong();
        return value.of(record.apply(bytes), deltas, lastMergedAt);
    }

    /** The serde of a store's values, nulls (tombstones) passed through. */
    static <T> Serde<T> serde(Function<T, byte[]> encode, Function<byte[], T> decode) {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : encode.apply(value),
                (topic, bytes) -> bytes == null ? null : decode.apply(bytes));
    }
}
