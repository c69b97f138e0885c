package io.vbpstream.pruner.follow;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsTile;
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
 * but a reader can see part of an emission). The tiles are the only copy held: {@link #counts} reads their counts, and
 * {@link #blocks} assembles the matrices afresh for the caller (the convergence snapshot, a prune), so a DeiT-Base
 * version costs its tiles (about 453 MB) and not a second, assembled copy as well.
 */
@ApplicationScoped
public class CoMomentsView {

    private final ConcurrentHashMap<MomentsKey, ConcurrentHashMap<String, CoMomentsTile>> tiles = new ConcurrentHashMap<>();

    public void accept(CoMomentsKey key, CoMomentsTile tile) {
        tiles.computeIfAbsent(key.block(), k -> new ConcurrentHashMap<>()).put(key.row() + "." + key.column(), tile);
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

    /** Block name to its co-moment matrix, assembled now, for the blocks of one version whose tiles agree (sorted). */
    public Map<String, CoMoments> blocks(String model, String version) {
        Map<String, CoMoments> out = new TreeMap<>();
        tiles.forEach((block, held) -> {
            if (block.model().equals(model) && block.version().equals(version)) {
                List<CoMomentsTile> list = new ArrayList<>(held.values());
                if (consistentCount(list) >= 0) {
                    out.put(block.block(), CoMoments.fromTiles(list));
                }
            }
        });
        return out;
    }

    /** The tiles' common count when they are the whole upper triangle and all agree, else -1. */
    private static long consistentCount(java.util.Collection<CoMomentsTile> held) {
        long count = -1;
        CoMomentsTile any = null;
        int n = 0;
        for (CoMomentsTile t : held) {
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
        long side = (any.width() + any.tileSize() - 1) / any.tileSize();
        return n == side * (side + 1) / 2 ? count : -1;
    }
}
