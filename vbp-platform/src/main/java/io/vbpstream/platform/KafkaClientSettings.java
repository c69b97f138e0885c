package io.vbpstream.platform;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one rule for which of a service's {@code kafka.*} settings (Quarkus' {@code default-kafka-broker} map: bootstrap
 * servers, security, SASL, TLS, and whatever else an operator sets there) reach a Kafka client: those the client
 * itself defines ({@code ProducerConfig}, {@code ConsumerConfig}, {@code AdminClientConfig}). Quarkus' own entries
 * (Dev Services, SmallRye channels) and another client's settings are left out, so no client logs "supplied but isn't
 * a known config", and every client of a service connects with the same credentials.
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {
    }

    /** The settings of {@code kafka} a producer knows, as a new mutable map the caller adds its own to. */
    public static Map<String, Object> producer(Map<String, ?> kafka) {
        return select(kafka, ProducerConfig.configNames());
    }

    /** The settings of {@code kafka} a consumer knows, as a new mutable map. */
    public static Map<String, Object> consumer(Map<String, ?> kafka) {
        return select(kafka, ConsumerConfig.configNames());
    }

    /** The settings of {@code kafka} an admin client knows, as a new mutable map. */
    public static Map<String, Object> admin(Map<String, ?> kafka) {
        return select(kafka, AdminClientConfig.configNames());
    }

    /** Every setting name a producer, a consumer or an admin client defines. */
    public static Set<String> clientNames() {
        Set<String> names = new TreeSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return names;
    }

    private static Map<String, Object> select(Map<String, ?> kafka, Set<String> known) {
        Map<String, Object> out = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (known.contains(k) && v != null) {
                out.put(k, v);
            }
        });
        return out;
    }
}
