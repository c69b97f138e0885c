package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Merges every tile of one complete staged delta into its running totals, or none: a delta whose geometry differs
 * from what the store holds for its block, or whose merge would overflow (a count past {@code Long.MAX_VALUE}, a
 * co-moment past float32), is refused, naming the tile that failed. Nothing is written: the caller stores the merged
 * tiles or dead-letters the delta.
 */
final class DeltaMerge {

    /** The merged tiles by store key, or the reason the delta was refused and the tile it failed on (null: all). */
    record Result(Map<String, RunningTile> merged, DeltaRejected refused, String refusedTile) {
        boolean accepted() {
            return refused == null;
        }

        /** What a refused delta's tiles are dead-lettered with: the refusal itself for its tile, else the sibling's. */
        Function<String, DeltaRejected> reasons() {
            DeltaRejected sibling = new DeltaRejected(TileValidator.SIBLING_REFUSED, "tile " + refusedTile
                    + " of this delta was refused: " + refused.getMessage());
            return tile -> refusedTile == null || tile.equals(refusedTile) ? refused : sibling;
        }
    }

    private DeltaMerge() {
    }

    static Result of(StagedDeltas staged, StagedDeltas.Id id, TileIndex.Block held,
                     ReadOnlyKeyValueStore<String, RunningTile> store, long at) {
        StagedDeltas.Staged s = staged.get(id);
        if (held != null && !held.geometry.equals(s.geometry)) {
            return refused(Validation.widthMismatch(s.geometry, held.geometry), null);
        }
        Map<String, RunningTile> merged = new LinkedHashMap<>();
        for (String tile : s.tiles) {
            String key = id.block() + "/" + tile;
            CoMomentsTile delta = CoMomentsCodec.decode(staged.value(id, tile)); // it decoded when it was staged
            RunningTile before = store.get(key);
            try {
                merged.put(key, Validation.merged(key,
                        () -> before == null ? RunningTile.first(delta, at) : before.merge(delta, at),
                        DeltaMerge::beyondFloat32));
            } catch (DeltaRejected e) {
                return refused(e, tile);
            }
        }
        return new Result(merged, null, null);
    }

    /** What of a merged tile float32, its storage, cannot hold, or null. */
    private static String beyondFloat32(RunningTile merged) {
        return CoMomentsCodec.fitsFloat32(merged.tile()) ? null : "a co-moment would exceed float32's range";
    }

    private static Result refused(DeltaRejected why, String tile) {
        return new Result(Collections.emptyMap(), why, tile);
    }
}
