package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The co-moment tiles of one block's delta, held in the {@code staged-comoments} store until every tile of the block
 * has arrived, so that a delta's tiles are merged or refused together: one refused tile never leaves the block's
 * tiles covering different samples. A delta is named by what its publisher wrote on every tile (the
 * {@code vbp-collector}, {@code vbp-offsets} and {@code vbp-images} headers), or, on a record without them, by its
 * sample count (every tile of a block's delta has the same). A delta refused in part is remembered (a marker in the
 * store), so that its later tiles are refused too.
 *
 * <p>Store keys: {@code <delta>|<model/version/block/row.column>} for a tile (its record's bytes as received),
 * {@code <delta>|<model/version/block>/refused} for a refused delta (the reason). The in-memory index is rebuilt
 * from the store by {@link #rebuild()}, so it is never staler than the store (Kafka Streams may wipe and restore a
 * task's stores and call {@code init()} again).
 */
final class StagedDeltas {

    static final String STORE = "staged-comoments";
    private static final String REFUSED = "/refused";

    /** One block's delta: the block's key ({@code model/version/block}) and the delta's name. */
    record Id(String block, String delta) {
    }

    /** What the store holds for one delta. */
    static final class Staged {
        final TreeSet<String> tiles = new TreeSet<>();
        TileGrid geometry;
        String refused;
        final long since;

        Staged(long since) {
            this.since = since;
        }
    }

    private final Map<Id, Staged> deltas = new LinkedHashMap<>();
    private final KeyValueStore<String, byte[]> store;

    StagedDeltas(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    /**
     * The name of the delta a record belongs to, from its publisher's headers; null on a record without them (the
     * caller names it by its count once the tile has decoded).
     */
    static String nameFromHeaders(Headers headers) {
        String collector = VbpHeaders.get(headers, VbpHeaders.COLLECTOR);
        if (collector == null) {
            return null;
        }
        String offsets = VbpHeaders.get(headers, VbpHeaders.OFFSETS);
        String images = VbpHeaders.get(headers, VbpHeaders.IMAGES);
        String identity = collector + '\n' + offsets + '\n' + images;
        return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
    }

    static String nameFromCount(long count) {
        return "n" + count;
    }

    /** Rebuilds the index from the store: every staged tile and refusal marker it holds. */
    void rebuild(long now) {
        deltas.clear();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> {
                int bar = kv.key.indexOf('|');
                String delta = kv.key.substring(0, bar);
                String rest = kv.key.substring(bar + 1);
                if (rest.endsWith(REFUSED)) {
                    String block = rest.substring(0, rest.length() - REFUSED.length());
                    staged(new Id(block, delta), now).refused = new String(kv.value, StandardCharsets.UTF_8);
                } else {
                    int slash = rest.lastIndexOf('/');
                    Staged s = staged(new Id(rest.substring(0, slash), delta), now);
                    s.tiles.add(rest.substring(slash + 1));
                    if (s.geometry == null) {
                        CoMomentsTile t = CoMomentsCodec.decode(kv.value); // it decoded when it was staged
                        s.geometry = TileGrid.of(t);
                    }
                }
            });
        }
    }

    private Staged staged(Id id, long now) {
        return deltas.computeIfAbsent(id, k -> new Staged(now));
    }

    Staged get(Id id) {
        return deltas.get(id);
    }

    /** The geometry (width, tile size) of a delta's staged tiles, or null when none is staged. */
    TileGrid geometryOf(Id id) {
        Staged s = deltas.get(id);
        return s == null ? null : s.geometry;
    }

    /** Stages one validated tile of a delta; returns how many of its tiles are now staged. */
    int stage(Id id, String tile, TileGrid geometry, byte[] value, long now) {
        Staged s = staged(id, now);
        if (s.geometry == null) {
            s.geometry = geometry;
        }
        s.tiles.add(tile);
        store.put(tileKey(id, tile), value);
        return s.tiles.size();
    }

    byte[] value(Id id, String tile) {
        return store.get(tileKey(id, tile));
    }

    /** Deletes a delta's staged tiles (and remembers the delta as refused when {@code reason} is not null). */
    void remove(Id id, String reason) {
        Staged s = deltas.remove(id);
        if (s != null) {
            for (String tile : s.tiles) {
                store.delete(tileKey(id, tile));
            }
        }
        if (reason != null) {
            Staged marker = new Staged(s == null ? System.currentTimeMillis() : s.since);
            marker.refused = reason;
            deltas.put(id, marker);
            store.put(id.delta() + "|" + id.block() + REFUSED, reason.getBytes(StandardCharsets.UTF_8));
        } else if (s != null && s.refused != null) {
            store.delete(id.delta() + "|" + id.block() + REFUSED);
        }
    }

    /** The deltas (refused ones included) matching {@code which}, oldest first. */
    List<Id> select(Predicate<Map.Entry<Id, Staged>> which) {
        List<Id> ids = new ArrayList<>();
        for (Map.Entry<Id, Staged> e : deltas.entrySet()) {
            if (which.test(e)) {
                ids.add(e.getKey());
            }
        }
        return ids;
    }

    /** Blocks with a delta that still waits for some of its tiles. */
    long blocksWaiting() {
        return deltas.entrySet().stream().filter(e -> e.getValue().refused == null)
                .map(e -> e.getKey().block()).distinct().count();
    }

    static String tileKey(Id id, String tile) {
        return id.delta() + "|" + id.block() + "/" + tile;
    }
}
