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
 * The latest co-moment tiles per {@code model/version/block/row.column}, as the aggregator emits them, and each block
 * reassembled into its matrix. A block is offered only once its latest tiles are all there and cover the same samples
 * (the aggregator emits a block's tiles together, but a reader can see part of an emission). Matrices are assembled
 * again only when a tile of the block changed.
 */
@ApplicationScoped
public class CoMomentsView {

    private final ConcurrentHashMap<MomentsKey, ConcurrentHashMap<String, CoMomentsTile>> tiles = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<MomentsKey, CoMoments> assembled = new ConcurrentHashMap<>();

    public void accept(CoMomentsKey key, CoMomentsTile tile) {
        tiles.computeIfAbsent(key.block(), k -> new ConcurrentHashMap<>()).put(key.row() + "." + key.column(), tile);
        assembled.remove(key.block());
    }

    /**
     * Forgets the tiles of every other version of {@code model}: only the promoted version is pruned, and a DeiT-Base
     * version's tiles are 495 MB.
     */
    public void retainOnly(String model, String version) {
        tiles.keySet().removeIf(k -> k.model().equals(model) && !k.version().equals(version));
        assembled.keySet().removeIf(k -> k.model().equals(model) && !k.version().equals(version));
    }

    /** Block name to its co-moment matrix, for the blocks of one model version whose tiles agree (sorted by block). */
    public Map<String, CoMoments> blocks(String model, String version) {
        Map<String, CoMoments> out = new TreeMap<>();
        tiles.forEach((block, held) -> {
            if (block.model().equals(model) && block.version().equals(version)) {
                CoMoments c = assembled.get(block);
                if (c == null) {
                    c = assemble(held);
                    if (c != null) {
                        assembled.put(block, c);
                    }
                }
                if (c != null) {
                    out.put(block.block(), c);
                }
            }
        });
        return out;
    }

    private static CoMoments assemble(Map<String, CoMomentsTile> held) {
        List<CoMomentsTile> list = new ArrayList<>(held.values());
        if (list.isEmpty() || list.stream().map(CoMomentsTile::count).distinct().count() != 1) {
            return null;
        }
        try {
            return CoMoments.fromTiles(list);
        } catch (IllegalArgumentException e) {
            return null; // not all tiles read yet
        }
    }
}
