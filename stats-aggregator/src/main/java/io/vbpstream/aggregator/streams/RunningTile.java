package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import org.apache.kafka.common.serialization.Serde;

import java.util.Arrays;

/**
 * One co-moment tile's running totals in the {@code running-comoments} store: the merged tile, how many deltas went
 * into it, and when the last one was merged. Stored as {@code VBPT} version 1: a {@link MergeEnvelope}, then a
 * {@code CoMomentsCodec} record.
 */
public record RunningTile(CoMomentsTile tile, long deltas, long lastMergedAt) {

    static final int MAGIC = 0x56425054; // "VBPT"
    static final byte VERSION = 1;
    private static final MergeEnvelope<CoMomentsTile, RunningTile> ENVELOPE =
            new MergeEnvelope<>(MAGIC, VERSION, "running-comoments", "VBPT", RunningTile::new);

    public RunningTile merge(CoMomentsTile delta, long at) {
        return ENVELOPE.next(tile.merge(delta), deltas, lastMergedAt, at);
    }

    public static RunningTile first(CoMomentsTile delta, long at) {
        return ENVELOPE.first(delta, at);
    }

    /** The serde of the store's values. */
    public static Serde<RunningTile> serde() {
        return MergeEnvelope.serde(RunningTile::encode, RunningTile::decode);
    }

    public byte[] encode() {
        byte[] record = CoMomentsCodec.encode(tile);
        return ENVELOPE.open(deltas, lastMergedAt, record.length).put(record).array();
    }

    public static RunningTile decode(byte[] bytes) {
        return ENVELOPE.read(bytes, b -> CoMomentsCodec.decode(Arrays.copyOfRange(b, MergeEnvelope.SIZE, b.length)));
    }
}
