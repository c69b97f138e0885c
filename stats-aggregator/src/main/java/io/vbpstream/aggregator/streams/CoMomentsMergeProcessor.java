package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates each co-moment tile delta and merges it into the tile's running totals (Chan merge, float64); a rejected
 * one goes to the dead-letter sink with its reason and the store is left untouched. A block's tiles are emitted to the
 * co-moments sink together, and only when the store holds every tile of the block with one and the same count: the
 * collectors send all of a block's tiles to one partition in one transaction, so a reader of {@code layer-comoments}
 * can always reassemble a block from tiles that cover the same samples. A punctuation emits whole blocks until their
 * tiles reach {@code maxEmitBytes} (64 MB by default); the others wait for the next one, so a restart (which marks
 * every block changed) never puts every version's matrices in one transaction. A block whose tiles disagree (a punctuation
 * fell between two tiles of one delta) is tried again at the next punctuation; the check reads an in-memory index of
 * the counts, never the tiles. Every {@code retention.checkInterval} the tiles of retired versions
 * ({@link RetiredVersions}) are deleted from the store and tombstoned in {@code layer-comoments}, and later tiles for
 * them are dropped.
 */
public final class CoMomentsMergeProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String STORE = "running-comoments";
    public static final String SINK = "layer-comoments-sink";
    public static final String DLQ_SINK = "comoments-dead-letter-sink";
    /** The dead-letter reason of a tile whose merge with the stored totals would leave them unrepresentable. */
    public static final String OVERFLOW = "OVERFLOW";

    /** What the store holds for one block: its geometry and each tile's count. */
    private static final class BlockIndex {
        final TileValidator.Geometry geometry;
        final Map<String, Long> counts = new TreeMap<>();

        BlockIndex(CoMomentsTile t) {
            this.geometry = new TileValidator.Geometry(t.width(), t.tileSize());
        }

        int expectedTiles() {
            int n = (geometry.width() + geometry.tileSize() - 1) / geometry.tileSize();
            return n * (n + 1) / 2;
        }

        boolean consistent() {
            return counts.size() == expectedTiles() && counts.values().stream().distinct().count() == 1;
        }
    }

    private final Duration emitInterval;
    private final long maxEmitBytes;
    private final AggregatorTopology.Retention retention;
    private final RetiredVersions retired;
    private ReadOnlyKeyValueStore<String, byte[]> versions;
    private final MergeListener listener;
    private final Map<String, BlockIndex> index = new HashMap<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, RunningTile> store;

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
        this.emitInterval = emitInterval;
        this.maxEmitBytes = maxEmitBytes;
        this.retention = retention;
        this.retired = new RetiredVersions(retention.grace());
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        try (KeyValueIterator<String, RunningTile> it = store.all()) {
            it.forEachRemaining(kv -> {
                CoMomentsKey key = CoMomentsKey.parse(kv.key);
                indexed(key, kv.value.tile());
                dirty.add(key.block().toString());
            });
        }
        this.versions = context.getStateStore(RetiredVersions.STORE);
        retired.refresh(versions, Instant.now());
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> emit());
        context.schedule(retention.checkInterval(), PunctuationType.WALL_CLOCK_TIME, now -> retire(now));
    }

    /**
     * Deletes every tile of the retired versions' blocks from the store and tombstones them in
     * {@code layer-comoments}; the in-memory index says which keys there are, so no tile is read.
     */
    private void retire(long now) {
        retired.refresh(versions, Instant.ofEpochMilli(now));
        List<String> gone = new ArrayList<>();
        for (Iterator<Map.Entry<String, BlockIndex>> it = index.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, BlockIndex> e = it.next();
            io.vbpstream.platform.MomentsKey block = io.vbpstream.platform.MomentsKey.parse(e.getKey());
            if (!retired.isRetired(block.model(), block.version())) {
                continue;
            }
            for (String tile : e.getValue().counts.keySet()) {
                String key = e.getKey() + "/" + tile;
                store.delete(key);
                context.forward(new Record<String, byte[]>(key, null, now), SINK);
                gone.add(key);
            }
            dirty.remove(e.getKey());
            it.remove();
        }
        if (!gone.isEmpty()) {
            listener.keysRetired(STORE, gone);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        CoMomentsKey key;
        CoMomentsTile delta;
        RunningTile held;
        try {
            key = TileValidator.key(record.key());
            if (retired.isRetired(key.block().model(), key.block().version())) {
                listener.retiredDeltaDropped(STORE);
                return;
            }
            BlockIndex block = index.get(key.block().toString()); // indexes every tile the store holds
            delta = TileValidator.tile(key, record.value(), block == null ? null : block.geometry);
            held = store.get(record.key());
        } catch (DeltaRejected e) {
            deadLetter(record, e);
            return;
        }
        RunningTile merged;
        try {
            merged = held == null ? RunningTile.first(delta, record.timestamp()) : held.merge(delta, record.timestamp());
            if (!CoMomentsCodec.fitsFloat32(merged.tile())) {
                throw new DeltaRejected(OVERFLOW, "merged into " + record.key() + ", a co-moment would exceed float32's range");
            }
        } catch (IllegalArgumentException e) {
            // the merged count overflows (a crafted count near Long.MAX_VALUE)
            deadLetter(record, new DeltaRejected(OVERFLOW, "merged into " + record.key() + ": " + e.getMessage()));
            return;
        } catch (DeltaRejected e) {
            deadLetter(record, e);
            return;
        }
        store.put(record.key(), merged);
        indexed(key, merged.tile());
        dirty.add(key.block().toString());
        listener.tileMerged(key, Math.max(0, System.currentTimeMillis() - record.timestamp()));
    }

    private void indexed(CoMomentsKey key, CoMomentsTile tile) {
        index.computeIfAbsent(key.block().toString(), k -> new BlockIndex(tile)).counts
                .put(key.row() + "." + key.column(), tile.count());
    }

    private void deadLetter(Record<String, byte[]> record, DeltaRejected e) {
        DeadLetters.forward(context, record, e, DLQ_SINK);
        listener.tileRejected(e.reason());
    }

    /** Forwards every tile of each changed block whose tiles all cover the same samples. */
    private void emit() {
        long now = System.currentTimeMillis();
        int waiting = 0;
        long bytes = 0;
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            String block = it.next();
            BlockIndex b = index.get(block);
            if (b == null) {
                it.remove();
                continue;
            }
            if (!b.consistent()) {
                waiting++;
                continue;
            }
            if (bytes >= maxEmitBytes) {
                // the rest waits for the next punctuation: no transaction carries more than about maxEmitBytes of
                // tiles (a restart marks every block changed; at DeiT-Base one version is 245 MB)
                continue;
            }
            List<String> tiles = new ArrayList<>(b.counts.keySet());
            for (String tile : tiles) {
                String key = block + "/" + tile;
                RunningTile r = store.get(key);
                Headers headers = new RecordHeaders();
                VbpHeaders.put(headers, MomentsMergeProcessor.DELTAS_HEADER, Long.toString(r.deltas()));
                byte[] value = CoMomentsCodec.encode(r.tile());
                bytes += value.length;
                context.forward(new Record<>(key, value, now, headers), SINK);
            }
            it.remove();
        }
        listener.blocksAwaitingTiles(waiting);
    }
}
