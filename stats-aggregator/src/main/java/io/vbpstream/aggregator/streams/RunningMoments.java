package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import org.apache.kafka.common.serialization.Serde;

import java.nio.ByteBuffer;

/**
 * A key's running statistics in the {@code running-moments} store: the merged moments, how many deltas went into
 * them, and when the last one was merged. Stored as {@code VBPR} version 1: a {@link MergeEnvelope}, then a
 * {@code MomentsCodec} record.
 */
public record RunningMoments(Moments moments, long deltas, long lastMergedAt) {

    static final int MAGIC = 0x56425052; // "VBPR"
    static final byte VERSION = 1;
    private static final MergeEnvelope<Moments, RunningMoments> ENVELOPE =
            new MergeEnvelope<>(MAGIC, VERSION, "running-moments", "VBPR", RunningMoments::new);

    /** Merges {@code delta} into these moments (in place: a store value is decoded fresh for every merge). */
    public RunningMoments merge(Moments delta, long at) {
        return ENVELOPE.next(moments.merge(delta), deltas, lastMergedAt, at);
    }

    public static RunningMoments first(Moments delta, long at) {
        return ENVELOPE.first(delta, at);
    }

    /** The serde of the store's values. */
    public static Serde<RunningMoments> serde() {
        return MergeEnvelope.serde(RunningMoments::encode, RunningMoments::decode);
    }

    /** Bytes a stored value of {@code width} neurons takes. */
    public static long encodedSize(int width) {
        return MergeEnvelope.SIZE + (long) MomentsCodec.encodedSize(width);
    }

    public byte[] encode() {
        ByteBuffer buf = ENVELOPE.open(deltas, lastMergedAt, MomentsCodec.encodedSize(moments.width()));
        MomentsCodec.encode(moments, buf);
        return buf.array();
    }

    public static RunningMoments decode(byte[] bytes) {
        return ENVELOPE.read(bytes, b -> MomentsCodec.decode(b, MergeEnvelope.SIZE, b.length - MergeEnvelope.SIZE));
    }
}
