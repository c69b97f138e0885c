package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CoMomentsKey;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The in-memory index of the {@code running-comoments} store: per block ({@code model/version/block}), its geometry
 * and each tile's count, and which blocks changed since they were last emitted. It never reads a tile; the processor
 * rebuilds it from the store at every {@code init()}.
 */
final class TileIndex {

    /** What the store holds for one block: its geometry and each tile's count, by tile name ({@code row.column}). */
    static final class Block {
        final TileGrid geometry;
        final Map<String, Long> counts = new TreeMap<>();

        Block(CoMomentsTile t) {
            this.geometry = TileGrid.of(t);
        }

        /** Whether the store holds every tile of the block, all with one and the same count. */
        boolean consistent() {
            return counts.size() == geometry.tiles() && counts.values().stream().distinct().count() == 1;
        }
    }

    private final Map<String, Block> blocks = new HashMap<>();
    private final Set<String> dirty = new LinkedHashSet<>();

    /**
     * Rebuilds the index from the store, every block marked changed; returns per block the most deltas and the
     * latest merge time its tiles hold ({@code [deltas, lastMergedAt]}).
     */
    Map<String, long[]> rebuild(ReadOnlyKeyValueStore<String, RunningTile> store) {
        blocks.clear();
        dirty.clear();
        Map<String, long[]> deltasAndLast = new HashMap<>();
        try (KeyValueIterator<String, RunningTile> it = store.all()) {
            it.forEachRemaining(kv -> {
                CoMomentsKey key = CoMomentsKey.parse(kv.key);
                put(key, kv.value.tile());
                changed(key.block().toString());
                long[] d = deltasAndLast.computeIfAbsent(key.block().toString(), k -> new long[2]);
                d[0] = Math.max(d[0], kv.value.deltas());
                d[1] = Math.max(d[1], kv.value.lastMergedAt());
            });
        }
        return deltasAndLast;
    }

    /** Records that the store holds {@code tile} under {@code key}. */
    void put(CoMomentsKey key, CoMomentsTile tile) {
        blocks.computeIfAbsent(key.block().toString(), k -> new Block(tile)).counts
                .put(TileGrid.name(key.row(), key.column()), tile.count());
    }

    Block get(String block) {
        return blocks.get(block);
    }

    void changed(String block) {
        dirty.add(block);
    }

    /** The changed blocks, in the order they changed; the caller removes what it has emitted. */
    Iterator<String> changed() {
        return dirty.iterator();
    }

    /** The block's summary from the index: its geometry and, when its tiles agree, their count. */
    BlockSummary summary(String block, long deltas, long lastMergedAt) {
        Block b = blocks.get(block);
        long count = b.consistent() ? b.counts.values().iterator().next() : -1;
        return new BlockSummary(b.geometry.width(), b.geometry.tileSize(), count, deltas, lastMergedAt);
    }

    /** Forgets every block {@code which} selects and returns them, by block key. */
    Map<String, Block> removeIf(Predicate<String> which) {
        Map<String, Block> gone = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, Block>> it = blocks.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Block> e = it.next();
            if (which.test(e.getKey())) {
                gone.put(e.getKey(), e.getValue());
                dirty.remove(e.getKey());
                it.remove();
            }
        }
        return gone;
    }
}
