package io.vbpstream.pruner.follow;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest co-moment tiles per {@code model/version/block/row.column}, as the aggregator emits them. A block counts
 * only once its latest tiles are all there and cover the same samples (the aggregator emits a block's tiles together,
 * but a reader can see part of an emission). The tiles are the only copy held, as the records that brought them
 * (float32 values, {@link CoMomentsCodec}): {@link #counts} reads their counts, and {@link #block} decodes one block's
 * and assembles its matrix afresh for the caller (the convergence snapshot, one block at a time), so a DeiT-Base
 * version costs its records (about 249 MB) and not their float64 values (453 MB) or an assembled copy as well.
 */
@ApplicationScoped
public class CoMomentsView {

    /** A tile as its record, with the samples it covers and the shape of its matrix. */
    private record Held(long count, int width, int tileSize, byte[] record) {
        CoMomentsTile tile() {
            return CoMomentsCodec.decode(record);
        }
    }

    private final ConcurrentHashMap<MomentsKey, ConcurrentHashMap<String, Held>> tiles = new ConcurrentHashMap<>();

    /** Keeps a tile's record (decoded once here, so that a malformed one is refused now, not at assembly). */
    public void accept(CoMomentsKey key, byte[] record) {
        CoMomentsTile t = CoMomentsCodec.decode(record);
        tiles.computeIfAbsent(key.block(), k -> new ConcurrentHashMap<>()).put(key.row() + "." + key.column(),
                new Held(t.count(), t.width(), t.tileSize(), record));
    }

    /** Forgets a tile the aggregator retired (a tombstone on {@code layer-comoments}); an emptied block goes too. */
    public void remove(CoMomentsKey key) {
        tiles.computeIfPresent(key.block(), (block, held) -> {
            held.remove(key.row() + "." + key.column());
            return held.isEmpty() ? null : held;
        });
    }

    /**
     * Forgets the tiles of every other version of {@code model}: only the promoted version is pruned, and a DeiT-Base
     * version's tiles are 495 MB.
     */
    public void retainOnly(String model, String version) {
        tiles.keySet().removeIf(k -> k.model().equals(model) && !k.version().equals(version));
    }

    /** Block name to its samples, for the blocks of one version whose tiles are all there and agree (sorted). */
    public Map<String, Long> counts(String model, String version) {
        Map<String, Long> out = new TreeMap<>();
        tiles.forEach((block, held) -> {
            if (block.model().equals(model) && block.version().equals(version)) {
                long n = consistentCount(held.values());
                if (n >= 0) {
                    out.put(block.block(), n);
                }
            }
        });
        return out;
    }

    /** One block's co-moment matrix, assembled now, or null if its tiles are not all there or do not agree. */
    public CoMoments block(MomentsKey block) {
        ConcurrentHashMap<String, Held> held = tiles.get(block);
        if (held == null) {
            return null;
        }
        List<Held> list = new ArrayList<>(held.values());
        if (consistentCount(list) < 0) {
            return null;
        }
        List<CoMomentsTile> decoded = new ArrayList<>(list.size());
        for (Held h : list) {
            decoded.add(h.tile());
        }
        return CoMoments.fromTiles(decoded);
    }

    /** The tiles' common count when they are the whole upper triangle and all agree, else -1. */
    private static long consistentCount(java.util.Collection<Held> held) {
        long count = -1;
        Held any = null;
        int n = 0;
        for (Held t : held) {
            if (count >= 0 && t.count() != count) {
                return -1;
            }
            count = t.count();
            any = t;
            n++;
        }
        if (any == null) {
            return -1;
        }
        return n == new TileGrid(any.width(), any.tileSize()).tiles() ? count : -1;
    }
}
