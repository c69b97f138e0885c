package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Emits the changed blocks of the co-moments store, whole: a block is forwarded only when the store holds every tile
 * of it with one and the same count, all its tiles together, each with the {@code vbp-deltas} header. Blocks are
 * emitted until their tiles reach {@code maxEmitBytes}; the others wait for the next call, so a restart (which marks
 * every block changed) never puts every version's matrices in one transaction.
 */
final class BlockEmitter {

    private final TileIndex index;
    private final ReadOnlyKeyValueStore<String, RunningTile> store;
    private final long maxEmitBytes;

    BlockEmitter(TileIndex index, ReadOnlyKeyValueStore<String, RunningTile> store, long maxEmitBytes) {
        this.index = index;
        this.store = store;
        this.maxEmitBytes = maxEmitBytes;
    }

    /** Forwards what may go now, with timestamp {@code now}; returns how many changed blocks wait for tiles. */
    int emit(long now, Consumer<Record<String, byte[]>> forward) {
        int waiting = 0;
        long bytes = 0;
        for (Iterator<String> it = index.changed(); it.hasNext(); ) {
            String block = it.next();
            TileIndex.Block b = index.get(block);
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
                // tiles (a restart marks every block changed; at DeiT-Base one version is 249 MB)
                continue;
            }
            List<Record<String, byte[]>> records = records(block, b, now);
            if (records != null) {
                for (Record<String, byte[]> r : records) {
                    bytes += r.value().length;
                    forward.accept(r);
                }
            }
            it.remove();
        }
        return waiting;
    }

    /** The block's tiles as records, or null when the index and the store disagree: never part of a block. */
    private List<Record<String, byte[]>> records(String block, TileIndex.Block b, long now) {
        List<Record<String, byte[]>> records = new ArrayList<>(b.counts.size());
        for (String tile : b.counts.keySet()) {
            String key = block + "/" + tile;
            RunningTile r = store.get(key);
            if (r == null) {
                return null;
            }
            Headers headers = new RecordHeaders();
            VbpHeaders.put(headers, VbpHeaders.DELTAS, Long.toString(r.deltas()));
            records.add(new Record<>(key, CoMomentsCodec.encode(r.tile()), now, headers));
        }
        return records;
    }
}
