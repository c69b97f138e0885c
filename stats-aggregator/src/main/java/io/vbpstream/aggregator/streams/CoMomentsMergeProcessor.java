package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Validates each co-moment tile delta, stages it until every tile of its block's delta has arrived
 * ({@link StagedDeltas}), and then merges the delta's tiles into their running totals together (Chan merge, float64,
 * stored in float32); a refused tile goes to the dead-letter sink with its reason, and so do its delta's other tiles
 * ({@code SIBLING_REFUSED}), staged or still to come, so the store always holds, per block, tiles that cover the same
 * samples. A delta whose tiles do not all arrive within the retention grace is dead-lettered as
 * {@code INCOMPLETE_DELTA}. A block's tiles are emitted to the co-moments sink together, and only when the store holds
 * every tile of the block with one and the same count. A punctuation emits whole blocks until their tiles reach
 * {@code maxEmitBytes} (64 MB by default); the others wait for the next one, so a restart (which marks every block
 * changed) never puts every version's matrices in one transaction. Every {@code retention.checkInterval} the tiles of
 * retired versions ({@link RetiredVersions}) are deleted from the store and tombstoned in {@code layer-comoments}, and
 * later tiles for them are dropped. The in-memory indexes (the counts per block, the staged deltas) are rebuilt from
 * the stores at every {@code init()}, as Kafka Streams calls it again after it wiped and restored a task.
 */
public final class CoMomentsMergeProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String STORE = "running-comoments";
    public static final String STAGING_STORE = StagedDeltas.STORE;
    /** Per block, a {@link BlockSummary}: what a query of the block's co-moments answers without reading a tile. */
    public static final String SUMMARY_STORE = "comoments-summary";
    public static final String SINK = "layer-comoments-sink";
    public static final String DLQ_SINK = "comoments-dead-letter-sink";

    /** What the store holds for one block: its geometry and each tile's count. */
    private static final class BlockIndex {
        final TileGrid geometry;
        final Map<String, Long> counts = new TreeMap<>();

        BlockIndex(CoMomentsTile t) {
            this.geometry = TileGrid.of(t);
        }

        boolean consistent() {
            return counts.size() == geometry.tiles() && counts.values().stream().distinct().count() == 1;
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
        index.clear();
        dirty.clear();
        this.summaries = context.getStateStore(SUMMARY_STORE);
        Map<String, long[]> deltasAndLast = new HashMap<>();
        try (KeyValueIterator<String, RunningTile> it = store.all()) {
            it.forEachRemaining(kv -> {
                CoMomentsKey key = CoMomentsKey.parse(kv.key);
                indexed(key, kv.value.tile());
                dirty.add(key.block().toString());
                long[] d = deltasAndLast.computeIfAbsent(key.block().toString(), k -> new long[2]);
                d[0] = Math.max(d[0], kv.value.deltas());
                d[1] = Math.max(d[1], kv.value.lastMergedAt());
            });
        }
        // a store written before the summaries were kept gets them now
        deltasAndLast.forEach((block, d) -> {
            if (summaries.get(block) == null) {
                summarize(block, d[0], d[1]);
            }
        });
        this.staged = new StagedDeltas(context.getStateStore(STAGING_STORE));
        staged.rebuild(System.currentTimeMillis());
        this.versions = retired.start(context, emitInterval, retention.checkInterval(), this::emit, this::retire);
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
            summaries.delete(e.getKey());
            it.remove();
        }
        for (StagedDeltas.Id id : staged.select(e -> retiredBlock(e.getKey().block()))) {
            staged.remove(id, null);
        }
        if (!gone.isEmpty()) {
            listener.keysRetired(STORE, gone);
        }
        expireStaged(now);
    }

    private boolean retiredBlock(String block) {
        io.vbpstream.platform.MomentsKey k = io.vbpstream.platform.MomentsKey.parse(block);
        return retired.isRetired(k.model(), k.version());
    }

    /**
     * Dead-letters, as {@code INCOMPLETE_DELTA}, the staged tiles of every delta that has waited longer than the
     * retention grace for the rest of its tiles (a publisher's tiles arrive in one transaction, so only a crafted or
     * truncated delta waits), and forgets refused deltas as old.
     */
    private void expireStaged(long now) {
        long cutoff = now - retention.grace().toMillis();
        for (StagedDeltas.Id id : staged.select(e -> e.getValue().since < cutoff)) {
            StagedDeltas.Staged s = staged.get(id);
            if (s.refused == null) {
                DeltaRejected why = new DeltaRejected(TileValidator.INCOMPLETE_DELTA, s.tiles.size() + " of the block's "
                        + (s.geometry == null ? "?" : Integer.toString(s.geometry.tiles())) + " tiles arrived within "
                        + retention.grace());
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
        if (retired.isRetired(key.block().model(), key.block().version())) {
            listener.retiredDeltaDropped(STORE);
            return;
        }
        String block = key.block().toString();
        String tileName = key.row() + "." + key.column();
        String named = StagedDeltas.nameFromHeaders(record.headers());
        BlockIndex held = index.get(block); // indexes every tile the store holds
        TileGrid geometry = held != null ? held.geometry
                : named == null ? null : staged.geometryOf(new StagedDeltas.Id(block, named));
        CoMomentsTile delta;
        try {
            delta = TileValidator.tile(key, record.value(), geometry);
        } catch (DeltaRejected e) {
            deadLetter(record, e);
            if (named != null) {
                refuse(new StagedDeltas.Id(block, named), record, e);
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
    private void refuse(StagedDeltas.Id id, Record<String, byte[]> cause, DeltaRejected why) {
        StagedDeltas.Staged s = staged.get(id);
        if (s != null && s.refused == null) {
            DeltaRejected sibling = new DeltaRejected(TileValidator.SIBLING_REFUSED, "tile " + tileOf(cause.key())
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

    private static String tileOf(String key) {
        return key == null ? "?" : key.substring(key.lastIndexOf('/') + 1);
    }

    /**
     * Merges every tile of a complete delta into the store, or none: a merge that would overflow (a count past
     * {@code Long.MAX_VALUE}, a co-moment past float32) refuses the delta.
     */
    private void mergeDelta(StagedDeltas.Id id, Record<String, byte[]> last) {
        StagedDeltas.Staged s = staged.get(id);
        BlockIndex held = index.get(id.block());
        Map<String, RunningTile> merged = new LinkedHashMap<>();
        DeltaRejected refused = null;
        String refusedTile = null;
        if (held != null && !held.geometry.equals(s.geometry)) {
            refused = new DeltaRejected(TileValidator.WIDTH_MISMATCH, "width " + s.geometry.width() + " in tiles of "
                    + s.geometry.tileSize() + " but the store holds width " + held.geometry.width() + " in tiles of "
                    + held.geometry.tileSize());
        }
        for (String tile : s.tiles) {
            if (refused != null) {
                break;
            }
            String key = id.block() + "/" + tile;
            CoMomentsTile delta = CoMomentsCodec.decode(staged.value(id, tile)); // it decoded when it was staged
            RunningTile before = store.get(key);
            try {
                RunningTile after = before == null ? RunningTile.first(delta, last.timestamp())
                        : before.merge(delta, last.timestamp());
                if (!CoMomentsCodec.fitsFloat32(after.tile())) {
                    refused = new DeltaRejected(DeltaValidator.OVERFLOW, "merged into " + key
                            + ", a co-moment would exceed float32's range");
                    refusedTile = tile;
                } else {
                    merged.put(key, after);
                }
            } catch (IllegalArgumentException e) {
                // the merged count overflows (a crafted count near Long.MAX_VALUE)
                refused = new DeltaRejected(DeltaValidator.OVERFLOW, "merged into " + key + ": " + e.getMessage());
                refusedTile = tile;
            }
        }
        if (refused != null) {
            DeltaRejected first = refused;
            String firstTile = refusedTile;
            DeltaRejected sibling = new DeltaRejected(TileValidator.SIBLING_REFUSED, "tile " + refusedTile
                    + " of this delta was refused: " + refused.getMessage());
            deadLetterStaged(id, s, last.timestamp(), last.headers(),
                    tile -> firstTile == null || tile.equals(firstTile) ? first : sibling);
            staged.remove(id, null);
            return;
        }
        long lag = Math.max(0, System.currentTimeMillis() - last.timestamp());
        for (Map.Entry<String, RunningTile> e : merged.entrySet()) {
            store.put(e.getKey(), e.getValue());
            CoMomentsKey key = CoMomentsKey.parse(e.getKey());
            indexed(key, e.getValue().tile());
            listener.tileMerged(key, lag);
        }
        dirty.add(id.block());
        RunningTile any = merged.values().iterator().next();
        summarize(id.block(), any.deltas(), any.lastMergedAt());
        staged.remove(id, null);
    }

    /** Writes the block's summary from the index: its geometry and, when its tiles agree, their count. */
    private void summarize(String block, long deltas, long lastMergedAt) {
        BlockIndex b = index.get(block);
        long count = b.consistent() ? b.counts.values().iterator().next() : -1;
        summaries.put(block, new BlockSummary(b.geometry.width(), b.geometry.tileSize(), count, deltas, lastMergedAt).encode());
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
            List<Record<String, byte[]>> records = new ArrayList<>(tiles.size());
            for (String tile : tiles) {
                String key = block + "/" + tile;
                RunningTile r = store.get(key);
                if (r == null) {
                    break; // the index and the store disagree: never forward part of a block
                }
                Headers headers = new RecordHeaders();
                VbpHeaders.put(headers, VbpHeaders.DELTAS, Long.toString(r.deltas()));
                records.add(new Record<>(key, CoMomentsCodec.encode(r.tile()), now, headers));
            }
            if (records.size() < tiles.size()) {
                it.remove();
                continue;
            }
            for (Record<String, byte[]> r : records) {
                bytes += r.value().length;
                context.forward(r, SINK);
            }
            it.remove();
        }
        listener.blocksAwaitingTiles((int) Math.max(waiting, staged.blocksWaiting()));
    }
}
