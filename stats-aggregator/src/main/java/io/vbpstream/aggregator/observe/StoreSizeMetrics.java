package io.vbpstream.aggregator.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vbpstream.aggregator.query.LocalStores;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Entries and bytes of this instance's {@code running-moments} store, read when scraped. */
@ApplicationScoped
public class StoreSizeMetrics {

    void register(@Observes StartupEvent e, MeterRegistry registry, LocalStores stores) {
        Gauge.builder("vbp.aggregator.store.entries", stores, s -> s.momentsStoreSize()[0])
                .description("Keys (model/version/block) in this instance's running-moments store").register(registry);
        Gauge.builder("vbp.aggregator.store.bytes", stores, s -> s.momentsStoreSize()[1])
                .description("Bytes of moments held in this instance's running-moments store").baseUnit("bytes")
                .register(registry);
    }
}
