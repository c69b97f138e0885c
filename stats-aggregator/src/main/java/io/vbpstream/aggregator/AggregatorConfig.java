package io.vbpstream.aggregator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The aggregator's settings ({@code vbp.aggregator.*}); Kafka Streams' own are {@code quarkus.kafka-streams.*}. */
@ConfigMapping(prefix = "vbp.aggregator")
public interface AggregatorConfig {

    /** Each key's running totals go to {@code layer-statistics} at most once per this interval. */
    @WithDefault("2s")
    Duration emitInterval();

    /** At most this many per-block sample-count gauges (keys beyond it are still merged, just not graphed). */
    @WithDefault("256")
    int maxBlockGauges();

    /** Host name other instances reach this one at (with {@code quarkus.http.port}: {@code application.server}). */
    @WithDefault("localhost")
    String host();

    /** Kafka Streams' state folder (RocksDB). */
    @WithDefault(".vbp-local/aggregator-state")
    String stateDir();

    /**
     * The {@code model} tag on this service's meters. A label only: the aggregator merges whatever models the
     * collectors send; a deployment that serves one model names it here.
     */
    @WithDefault("all")
    String model();

    /** Timeout of a query forwarded to the instance that owns the key. */
    @WithDefault("5s")
    Duration forwardTimeout();
}
