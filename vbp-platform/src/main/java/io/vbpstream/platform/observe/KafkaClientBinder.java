package io.vbpstream.platform.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Binds a Kafka client's own metrics (fetch lag, request rates, ...) to a service's registry, as the
 * {@code kafka_consumer_*} and {@code kafka_producer_*} families; closing the result unbinds them.
 */
public final class KafkaClientBinder {

    private KafkaClientBinder() {
    }

    public static AutoCloseable bind(MeterRegistry registry, Consumer<?, ?> consumer) {
        KafkaClientMetrics m = new KafkaClientMetrics(consumer);
        m.bindTo(registry);
        return m;
    }

    public static AutoCloseable bind(MeterRegistry registry, Producer<?, ?> producer) {
        KafkaClientMetrics m = new KafkaClientMetrics(producer);
        m.bindTo(registry);
        return m;
    }
}
