package io.vbpstream.aggregator.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vbpstream.aggregator.AggregatorConfig;
import io.vbpstream.aggregator.streams.DeltaValidator;
import io.vbpstream.aggregator.streams.MergeListener;
import io.vbpstream.aggregator.streams.SkipFailedRecords;
import io.vbpstream.aggregator.streams.RunningMoments;
import io.vbpstream.aggregator.streams.TileValidator;
import io.vbpstream.platform.MomentsKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregator's meters: deltas merged ({@code vbp_aggregator_deltas_merged_total}), dead-lettered by reason
 * ({@code vbp_aggregator_deltas_dead_lettered_total}), end-to-end lag from a delta's creation to its merge
 * ({@code vbp_aggregator_merge_lag_seconds}, a histogram), samples per block ({@code vbp_aggregator_block_samples},
 * at most {@code max-block-gauges} series); co-moment tiles merged ({@code vbp_aggregator_tiles_merged_total}),
 * dead-lettered by reason ({@code vbp_aggregator_tiles_dead_lettered_total}) and blocks whose tiles are held back
 * ({@code vbp_aggregator_blocks_awaiting_tiles}). The state store's size is {@link StoreSizeMetrics}' (Kafka Streams'
 * RocksDB metrics are not recorded at the INFO recording level).
 */
@ApplicationScoped
public class AggregatorMetrics implements MergeListener {

    private final MeterRegistry registry;
    private final int maxBlockGauges;
    private final Counter merged;
    private final Timer lag;
    private final ConcurrentHashMap<String, Counter> rejected = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<MomentsKey, AtomicLong> samples = new ConcurrentHashMap<>();
    private final Counter tilesMerged;
    private final ConcurrentHashMap<String, Counter> tilesRejected = new ConcurrentHashMap<>();
    private final AtomicLong awaitingTiles = new AtomicLong();

    @Inject
    public AggregatorMetrics(MeterRegistry registry, AggregatorConfig config) {
        this.registry = registry;
        this.maxBlockGauges = config.maxBlockGauges();
        this.merged = Counter.builder("vbp.aggregator.deltas.merged").description("Moments deltas merged").register(registry);
        this.lag = Timer.builder("vbp.aggregator.merge.lag")
                .description("From a delta's creation (record timestamp) to its merge")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        for (String reason : DeltaValidator.REASONS) {
            rejectedCounter(reason); // present at 0, so rate() and alerts see every reason
        }
        this.tilesMerged = Counter.builder("vbp.aggregator.tiles.merged").description("Co-moment tile deltas merged")
                .register(registry);
        for (String reason : TileValidator.REASONS) {
            tileRejectedCounter(reason);
        }
        for (String store : java.util.List.of(io.vbpstream.aggregator.streams.MomentsMergeProcessor.STORE,
                io.vbpstream.aggregator.streams.CoMomentsMergeProcessor.STORE)) {
            retiredCounter(store);
            droppedCounter(store);
        }
        FunctionCounter.builder("vbp.aggregator.records.skipped", SkipFailedRecords.class, c -> SkipFailedRecords.skipped())
                .description("Records a processor failed on unexpectedly, skipped (logged) instead of stopping the stream thread")
                .register(registry);
        Gauge.builder("vbp.aggregator.blocks.awaiting.tiles", awaitingTiles, AtomicLong::get)
                .description("Changed blocks whose co-moment tiles did not all cover the same samples at the last emission")
                .register(registry);
    }

    @Override
    public void merged(MomentsKey key, RunningMoments totals, long lagMs) {
        merged.increment();
        lag.record(Duration.ofMillis(lagMs));
        AtomicLong g = samples.get(key);
        if (g == null && samples.size() < maxBlockGauges) {
            g = samples.computeIfAbsent(key, k -> {
                AtomicLong v = new AtomicLong();
                Gauge.builder("vbp.aggregator.block.samples", v, AtomicLong::get)
                        .description("Samples (tokens) merged per block")
                        .tags(Tags.of("model", k.model(), "version", k.version(), "block", k.block()))
                        .register(registry);
                return v;
            });
        }
        if (g != null) {
            g.set(totals.moments().count());
        }
    }

    @Override
    public void rejected(String reason) {
        rejectedCounter(reason).increment();
    }

    @Override
    public void tileMerged(io.vbpstream.platform.CoMomentsKey key, long lagMs) {
        tilesMerged.increment();
    }

    @Override
    public void tileRejected(String reason) {
        tileRejectedCounter(reason).increment();
    }

    @Override
    public void blocksAwaitingTiles(int blocks) {
        awaitingTiles.set(blocks);
    }

    @Override
    public void keysRetired(String store, java.util.List<String> keys) {
        retiredCounter(store).increment(keys.size());
        if (store.equals(io.vbpstream.aggregator.streams.MomentsMergeProcessor.STORE)) {
            for (String key : keys) {
                MomentsKey k = MomentsKey.parse(key);
                if (samples.remove(k) != null) {
                    registry.find("vbp.aggregator.block.samples")
                            .tags("model", k.model(), "version", k.version(), "block", k.block()).meters()
                            .forEach(registry::remove);
                }
            }
        }
    }

    @Override
    public void retiredDeltaDropped(String store) {
        droppedCounter(store).increment();
    }

    private Counter retiredCounter(String store) {
        return Counter.builder("vbp.aggregator.keys.retired")
                .description("Keys of superseded versions deleted from a store and tombstoned downstream")
                .tag("store", store).register(registry);
    }

    private Counter droppedCounter(String store) {
        return Counter.builder("vbp.aggregator.retired.deltas.dropped")
                .description("Deltas of retired versions dropped instead of merged").tag("store", store).register(registry);
    }

    private Counter tileRejectedCounter(String reason) {
        return tilesRejected.computeIfAbsent(reason, r -> Counter.builder("vbp.aggregator.tiles.dead.lettered")
                .description("Co-moment tile deltas sent to the dead-letter topic").tag("reason", r).register(registry));
    }

    private Counter rejectedCounter(String reason) {
        return rejected.computeIfAbsent(reason, r -> Counter.builder("vbp.aggregator.deltas.dead.lettered")
                .description("Moments deltas sent to the dead-letter topic").tag("reason", r).register(registry));
    }
}
