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

    public RunningTile merge(CoMomentsTile delta, long at) {
        return new RunningTile(tile.merge(delta), deltas + 1, Math.max(lastMergedAt, at));
    }

    public static RunningTile first(CoMomentsTile delta, long at) {
        return new RunningTile(delta, 1, at);
    }

    /** The serde of the store's values. */
    public static Serde<RunningTile> serde() {
        return MergeEnvelope.serde(RunningTile::encode, RunningTile::decode);
    }

    public byte[] encode() {
        byte[] record = CoMomentsCodec.encode(tile);
        return new MergeEnvelope(deltas, lastMergedAt).open(MAGIC, VERSION, record.length).put(record).array();
    }

    public static RunningTile decode(byte[] bytes) {
        MergeEnvelope e = MergeEnvelope.read(bytes, MAGIC, VERSION, "running-comoments", "VBPT");
        return new RunningTile(CoMomentsCodec.decode(Arrays.copyOfRange(bytes, MergeEnvelope.SIZE, bytes.length)),
                e.deltas(), e.lastMergedAt());
    }
}
