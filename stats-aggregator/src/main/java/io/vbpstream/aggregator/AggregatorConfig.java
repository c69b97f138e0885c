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

    /**
     * Co-moment tiles one emission sends to {@code layer-comoments}, in whole blocks (at least one): the rest wait for
     * the next, so no transaction carries gigabytes when every block changed at once (a restart). 64 MB: about three
     * DeiT-Base blocks.
     */
    @WithDefault("67108864")
    long comomentsEmitBytes();

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

    Retention retention();

    /** Deleting the {@code activation-comoments} records this instance has merged ({@code MergedCoMomentsPurge}). */
    Purge purge();

    interface Purge {
        /** Off: the topic keeps its hour of retention, every publication of it on the broker's disk. */
        @WithDefault("true")
        boolean enabled();

        /** How often the committed offsets are read and the records before them deleted. */
        @WithDefault("30s")
        Duration interval();
    }

    /**
     * When a superseded version's state goes: every version but the served one, its parent and candidates, once the
     * served version has been promoted for {@code grace} ({@code VersionRetention}): its keys are deleted from both
     * stores (tombstones in their changelogs) and tombstoned in {@code layer-statistics} and {@code layer-comoments},
     * and deltas that still arrive for it are dropped.
     */
    interface Retention {
        /** How long after a promotion the versions it supersedes keep their state (the collectors' swap, late windows). */
        @WithDefault("10m")
        Duration grace();

        /** How often the stores are checked for retired versions. */
        @WithDefault("30s")
        Duration checkInterval();
    }
}
