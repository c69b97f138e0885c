package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Validates each co-moment tile delta and stages it until every tile of its block's delta has arrived
 * ({@link StagedDeltas}), then merges the delta's tiles into their running totals together ({@link DeltaMerge}:
 * Chan merge, float64, stored in float32). A refused tile goes to the dead-letter sink with its reason, and so do its
 * delta's other tiles ({@code SIBLING_REFUSED}), staged or still to come, so the store always holds, per block, tiles
 * that cover the same samples; a delta whose tiles do not all arrive within the retention grace is dead-lettered as
 * {@code INCOMPLETE_DELTA}. A punctuation emits whole, consistent blocks ({@link BlockEmitter}). Every
 * {@code retention.checkInterval} the tiles of retired versions ({@link RetiredVersions}) are deleted and tombstoned
 * in {@code layer-comoments}, and later tiles for them are dropped. The in-memory indexes ({@link TileIndex}, the
 * staged deltas) are rebuilt from the stores at every {@code init()}, as Kafka Streams calls it again after it wiped
 * and restored a task.
 */
public final class CoMomentsMergeProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String STORE = "running-comoments";
    public static final String STAGING_STORE = StagedDeltas.STORE;
    /** Per block, a {@link BlockSummary}: what a query of the block's co-moments answers without reading a tile. */
    public static final String SUMMARY_STORE = "comoments-summary";
    public static final String SINK = "layer-comoments-sink";
    public static final String DLQ_SINK = "comoments-dead-letter-sink";

    private final long maxEmitBytes;
    private final RetiredVersions retired;
    private final MergeListener listener;
    private final TileIndex index = new TileIndex();
    private BlockEmitter emitter;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, RunningTile> store;
    private StagedDeltas staged;
    private KeyValueStore<String, byte[]> summaries;

    /** Whole blocks are emitted per punctuation until their tiles reach this many bytes (at least one block). */
    public static final long DEFAULT_MAX_EMIT_BYTES = 64L << 20;

    public CoMomentsMergeProcessor(Duration emitInterval, AggregatorTopology.Retention retention, MergeListener listener) {
        this(emitInterval, DEFAULT_MAX_EMIT_BYTES, retention, listener);
    }

    public CoMomentsMergeProcessor(Duration emitInterval, long maxEmitBytes, AggregatorTopology.Retention retention,
                                   MergeListener listener) {
        if (maxEmitBytes < 1) {
            throw new IllegalArgumentException("the bytes emitted per punctuation must be positive, got " + maxEmitBytes);
        }
        this.maxEmitBytes = maxEmitBytes;
        this.retired = new RetiredVersions(emitInterval, retention);
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.emitter = new BlockEmitter(index, store, maxEmitBytes);
        this.summaries = context.getStateStore(SUMMARY_STORE);
        index.rebuild(store).forEach((block, d) -> {
            if (summaries.get(block) == null) { // a store written before the summaries were kept gets them now
                summarize(block, d[0], d[1]);
            }
        });
        this.staged = new StagedDeltas(context.getStateStore(STAGING_STORE));
        staged.rebuild(System.currentTimeMillis());
        retired.start(context, this::emit, this::retire);
    }

    /**
     * Deletes every tile of the retired versions' blocks from the store and tombstones them in
     * {@code layer-comoments}; the in-memory index says which keys there are, so no tile is read.
     */
    private void retire(long now) {
        List<String> gone = new ArrayList<>();
        index.removeIf(this::retiredBlock).forEach((block, b) -> {
            for (String tile : b.counts.keySet()) {
                String key = block + "/" + tile;
                store.delete(key);
                context.forward(new Record<String, byte[]>(key, null, now), SINK);
                gone.add(key);
            }
            summaries.delete(block);
        });
        for (StagedDeltas.Id id : staged.select(e -> retiredBlock(e.getKey().block()))) {
            staged.remove(id, null);
        }
        if (!gone.isEmpty()) {
            listener.keysRetired(STORE, gone);
        }
        expireStaged(now);
    }

    private boolean retiredBlock(String block) {
        return retired.isRetired(MomentsKey.parse(block));
    }

    /**
     * Dead-letters, as {@code INCOMPLETE_DELTA}, the staged tiles of every delta that has waited longer than the
     * retention grace for the rest of its tiles (a publisher's tiles arrive in one transaction, so only a crafted or
     * truncated delta waits), and forgets refused deltas as old.
     */
    private void expireStaged(long now) {
        long cutoff = now - retired.grace().toMillis();
        for (StagedDeltas.Id id : staged.select(e -> e.getValue().since < cutoff)) {
            StagedDeltas.Staged s = staged.get(id);
            if (s.refused == null) {
                DeltaRejected why = new DeltaRejected(TileValidator.INCOMPLETE_DELTA, s.tiles.size() + " of the block's "
                        + (s.geometry == null ? "?" : Integer.toString(s.geometry.tiles())) + " tiles arrived within "
                        + retired.grace());
                deadLetterStaged(id, s, now, new RecordHeaders(), tile -> why);
            }
            staged.remove(id, null);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        CoMomentsKey key;
        try {
            key = TileValidator.key(record.key());
        } catch (DeltaRejected e) {
            deadLetter(record, e);
            return;
        }
        if (retired.isRetired(key.block())) {
            listener.retiredDeltaDropped(STORE);
            return;
        }
        String block = key.block().toString();
        String tileName = TileGrid.name(key.row(), key.column());
        String named = StagedDeltas.nameFromHeaders(record.headers());
        TileIndex.Block held = index.get(block); // indexes every tile the store holds
        TileGrid geometry = held != null ? held.geometry
                : named == null ? null : staged.geometryOf(new StagedDeltas.Id(block, named));
        CoMomentsTile delta;
        try {
            delta = TileValidator.tile(key, record.value(), geometry);
        } catch (DeltaRejected e) {
            deadLetter(record, e);
            if (named != null) {
                refuse(new StagedDeltas.Id(block, named), record, tileName, e);
            }
            return;
        }
        StagedDeltas.Id id = new StagedDeltas.Id(block, named != null ? named : StagedDeltas.nameFromCount(delta.count()));
        StagedDeltas.Staged s = staged.get(id);
        if (s != null && s.refused != null) {
            deadLetter(record, new DeltaRejected(TileValidator.SIBLING_REFUSED, "another tile of this delta was refused: "
                    + s.refused));
            return;
        }
        if (s != null && s.tiles.contains(tileName)) {
            deadLetter(record, new DeltaRejected(TileValidator.DUPLICATE_TILE, "tile " + tileName
                    + " is already staged for this delta"));
            return;
        }
        TileGrid own = TileGrid.of(delta);
        if (staged.stage(id, tileName, own, record.value(), System.currentTimeMillis()) == own.tiles()) {
            mergeDelta(id, record);
        }
    }

    /**
     * Refuses a whole delta after one of its tiles was refused: its staged tiles are dead-lettered as
     * {@code SIBLING_REFUSED} and deleted, and its tiles still to come will be.
     */
    private void refuse(StagedDeltas.Id id, Record<String, byte[]> cause, String tileName, DeltaRejected why) {
        StagedDeltas.Staged s = staged.get(id);
        if (s != null && s.refused == null) {
            DeltaRejected sibling = new DeltaRejected(TileValidator.SIBLING_REFUSED, "tile " + tileName
                    + " of this delta was refused: " + why.getMessage());
            deadLetterStaged(id, s, cause.timestamp(), cause.headers(), tile -> sibling);
        }
        if (s == null || s.refused == null) {
            staged.remove(id, why.getMessage());
        }
    }

    /** Dead-letters every staged tile of delta {@code id}, each with the reason {@code why} gives for it. */
    private void deadLetterStaged(StagedDeltas.Id id, StagedDeltas.Staged s, long timestamp, Headers headers,
                                  Function<String, DeltaRejected> why) {
        for (String tile : s.tiles) {
            deadLetter(new Record<>(id.block() + "/" + tile, staged.value(id, tile), timestamp, headers), why.apply(tile));
        }
    }

    /** Merges every tile of a complete delta into the store, or dead-letters them all ({@link DeltaMerge}). */
    private void mergeDelta(StagedDeltas.Id id, Record<String, byte[]> last) {
        StagedDeltas.Staged s = staged.get(id);
        DeltaMerge.Result result = DeltaMerge.of(staged, id, index.get(id.block()), store, last.timestamp());
        if (!result.accepted()) {
            deadLetterStaged(id, s, last.timestamp(), last.headers(), result.reasons());
            staged.remove(id, null);
            return;
        }
        long lag = Math.max(0, System.currentTimeMillis() - last.timestamp());
        for (Map.Entry<String, RunningTile> e : result.merged().entrySet()) {
            store.put(e.getKey(), e.getValue());
            CoMomentsKey key = CoMomentsKey.parse(e.getKey());
            index.put(key, e.getValue().tile());
            listener.tileMerged(key, lag);
        }
        index.changed(id.block());
        RunningTile any = result.merged().values().iterator().next();
        summarize(id.block(), any.deltas(), any.lastMergedAt());
        staged.remove(id, null);
    }

    /** Writes the block's summary from the index. */
    private void summarize(String block, long deltas, long lastMergedAt) {
        summaries.put(block, index.summary(block, deltas, lastMergedAt).encode());
    }

    private void deadLetter(Record<String, byte[]> record, DeltaRejected e) {
        DeadLetters.forward(context, record, e, DLQ_SINK);
        listener.tileRejected(e.reason());
    }

    /** Forwards every tile of each changed block whose tiles all cover the same samples. */
    private void emit() {
        int waiting = emitter.emit(System.currentTimeMillis(), r -> context.forward(r, SINK));
        listener.blocksAwaitingTiles((int) Math.max(waiting, staged.blocksWaiting()));
    }
}
