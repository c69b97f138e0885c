package io.vbpstream.aggregator.query;

import com.fasterxml.jackson.core.type.TypeReference;
import io.vbpstream.aggregator.streams.BlockSummary;
import io.vbpstream.aggregator.streams.CoMomentsMergeProcessor;
import io.vbpstream.aggregator.streams.MomentsMergeProcessor;
import io.vbpstream.aggregator.streams.RunningMoments;
import io.vbpstream.aggregator.streams.RunningTile;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CachedAnswer;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Interactive queries over the {@code running-moments} and co-moments stores of all instances. A key is answered by
 * the instance whose store actively holds it ({@link LocalStores}); any other instance forwards the query there once
 * ({@link OwnerClient}). While a store migrates, or its owner cannot be reached, the answer is a
 * {@link StoreUnavailableException}: never a wait, never a partial answer.
 */
@ApplicationScoped
public class StatisticsQueries {

    public static final String SERVED_BY = "X-Vbp-Served-By";

    @Inject
    LocalStores stores;

    @Inject
    OwnerClient owners;

    /** The listing asks every instance: at most once a second, however often it is requested. */
    private final CachedAnswer<ModelsListing> listing = new CachedAnswer<>(Duration.ofSeconds(1));

    /** One block's statistics, from whichever instance owns it. */
    public BlockStatistics block(String model, String version, String block, boolean summary, boolean forwarded) {
        MomentsKey key = new MomentsKey(model, version, block);
        HostInfo owner = stores.owner(MomentsMergeProcessor.STORE, key);
        if (stores.isSelf(owner)) {
            RunningMoments r = stores.moments().get(key.toString());
            if (r == null) {
                throw new NotFoundException("no statistics for " + key);
            }
            return BlockStatistics.of(model, version, block, r, summary, stores.self());
        }
        requireNotForwarded(forwarded, key.toString(), owner);
        return owners.json(owner, blockPath(key) + "?forwarded=true&summary=" + summary, BlockStatistics.class);
    }

    /** What one block's co-moment tiles hold, from whichever instance owns the block. */
    public CoMomentsSummary coMoments(String model, String version, String block, boolean forwarded) {
        MomentsKey key = new MomentsKey(model, version, block);
        HostInfo owner = stores.owner(CoMomentsMergeProcessor.STORE, key);
        if (stores.isSelf(owner)) {
            byte[] raw = stores.summaries().get(key.toString());
            if (raw == null) {
                throw new NotFoundException("no co-moments for " + key);
            }
            BlockSummary b = BlockSummary.decode(raw);
            if (!b.consistent()) {
                return scanTiles(key, b); // only a store from before deltas were merged whole
            }
            // a delta's tiles are merged together, so every tile of the block covers the summary's samples
            List<CoMomentsSummary.Tile> tiles = new ArrayList<>();
            int n = new TileGrid(b.width(), b.tileSize()).side();
            for (int r = 0; r < n; r++) {
                for (int c = r; c < n; c++) {
                    tiles.add(new CoMomentsSummary.Tile(r, c, b.count(), b.deltas()));
                }
            }
            return new CoMomentsSummary(model, version, block, b.width(), b.tileSize(), b.expectedTiles(), b.count(),
                    true, tiles, stores.self());
        }
        requireNotForwarded(forwarded, key.toString(), owner);
        return owners.json(owner, blockPath(key) + "/comoments?forwarded=true", CoMomentsSummary.class);
    }

    /** The summary of a block whose tiles disagree, read tile by tile (each tile decoded). */
    private CoMomentsSummary scanTiles(MomentsKey key, BlockSummary b) {
        List<CoMomentsSummary.Tile> tiles = new ArrayList<>();
        try (KeyValueIterator<String, RunningTile> it = stores.tiles().prefixScan(key + "/", Serdes.String().serializer())) {
            it.forEachRemaining(kv -> {
                CoMomentsKey k = CoMomentsKey.parse(kv.key);
                tiles.add(new CoMomentsSummary.Tile(k.row(), k.column(), kv.value.tile().count(), kv.value.deltas()));
            });
        }
        tiles.sort(Comparator.comparingInt(CoMomentsSummary.Tile::row).thenComparingInt(CoMomentsSummary.Tile::column));
        return new CoMomentsSummary(key.model(), key.version(), key.block(), b.width(), b.tileSize(), b.expectedTiles(),
                -1, false, tiles, stores.self());
    }

    /** One co-moment tile as a {@code CoMomentsCodec} record, from whichever instance owns the block. */
    public byte[] tile(String model, String version, String block, int row, int column, boolean forwarded) {
        MomentsKey blockKey = new MomentsKey(model, version, block);
        CoMomentsKey key = new CoMomentsKey(blockKey, row, column);
        // the collectors send every tile of a block to the partition of the block's own key, which is where Kafka
        // Streams' default partitioning puts that key
        HostInfo owner = stores.owner(CoMomentsMergeProcessor.STORE, blockKey);
        if (stores.isSelf(owner)) {
            RunningTile t = stores.tiles().get(key.toString());
            if (t == null) {
                throw new NotFoundException("no co-moment tile " + key);
            }
            return CoMomentsCodec.encode(t.tile());
        }
        requireNotForwarded(forwarded, key.toString(), owner);
        return owners.bytes(owner, blockPath(blockKey) + "/comoments/tiles/" + row + "/" + column + "?forwarded=true");
    }

    /** Every key of every instance, grouped by model and version (computed at most once a second). */
    public ModelsListing models() {
        return listing.get(this::listAll);
    }

    /** The keys this instance's store actively holds. */
    public List<ModelsListing.Entry> localEntries() {
        return stores.entries();
    }

    private ModelsListing listAll() {
        stores.requireRunning();
        List<ModelsListing.Entry> entries = new ArrayList<>();
        for (StreamsMetadata m : stores.streams().metadataForAllStreamsClients()) {
            if (!m.stateStoreNames().contains(MomentsMergeProcessor.STORE)) {
                continue;
            }
            if (stores.isSelf(m.hostInfo())) {
                entries.addAll(stores.entries());
            } else {
                entries.addAll(owners.<List<ModelsListing.Entry>>json(m.hostInfo(), "/statistics/local/entries",
                        new TypeReference<List<ModelsListing.Entry>>() {
                        }));
            }
        }
        return group(entries);
    }

    /** A query is forwarded at most once: one that arrives forwarded finds the key moved on. */
    private static void requireNotForwarded(boolean forwarded, String key, HostInfo owner) {
        if (forwarded) {
            throw new StoreUnavailableException(key + " moved to " + OwnerClient.hostPort(owner)
                    + " while the query was forwarded");
        }
    }

    private static String blockPath(MomentsKey key) {
        return "/statistics/models/" + key.model() + "/versions/" + key.version() + "/blocks/" + key.block();
    }

    private static ModelsListing group(List<ModelsListing.Entry> entries) {
        Map<String, Map<String, List<ModelsListing.Block>>> tree = new TreeMap<>();
        entries.stream().sorted(Comparator.comparing(ModelsListing.Entry::block)).forEach(e -> tree
                .computeIfAbsent(e.model(), k -> new TreeMap<>())
                .computeIfAbsent(e.version(), k -> new ArrayList<>())
                .add(new ModelsListing.Block(e.block(), e.width(), e.count(), e.deltas())));
        List<ModelsListing.Model> models = new ArrayList<>();
        tree.forEach((model, versions) -> {
            List<ModelsListing.Version> vs = new ArrayList<>();
            versions.forEach((v, blocks) -> vs.add(new ModelsListing.Version(v, blocks)));
            models.add(new ModelsListing.Model(model, vs));
        });
        return new ModelsListing(models);
    }
}
