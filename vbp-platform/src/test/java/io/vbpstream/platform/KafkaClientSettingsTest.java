package io.vbpstream.platform;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class KafkaClientSettingsTest {

    /** What Quarkus hands a service as {@code default-kafka-broker} on a SASL/SCRAM broker, and a few strays. */
    private static Map<String, Object> quarkusMap() {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "broker:9093");
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", "SCRAM-SHA-512");
        m.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        m.put("ssl.truststore.location", "/certs/ca.p12");
        m.put("max.poll.records", 64);
        m.put("linger.ms", 5);
        m.put("devservices.enabled", false);
        m.put("health-enabled", true);
        m.put("mp.messaging.incoming.model-versions.topic", "model-versions");
        return m;
    }

    @Test
    void everyClientGetsTheConnectionAndSecuritySettings() {
        for (Map<String, Object> c : new Map[]{KafkaClientSettings.producer(quarkusMap()),
                KafkaClientSettings.consumer(quarkusMap()), KafkaClientSettings.admin(quarkusMap())}) {
            assertEquals("broker:9093", c.get("bootstrap.servers"));
            assertEquals("SASL_SSL", c.get("security.protocol"));
            assertEquals("SCRAM-SHA-512", c.get("sasl.mechanism"));
            assertEquals("/certs/ca.p12", c.get("ssl.truststore.location"));
            assertFalse(c.containsKey("devservices.enabled"));
            assertFalse(c.containsKey("health-enabled"));
            assertFalse(c.containsKey("mp.messaging.incoming.model-versions.topic"));
        }
    }

    @Test
    void eachClientGetsOnlyTheSettingsItDefines() {
        assertEquals(64, KafkaClientSettings.consumer(quarkusMap()).get("max.poll.records"));
        assertFalse(KafkaClientSettings.producer(quarkusMap()).containsKey("max.poll.records"));
        assertEquals(5, KafkaClientSettings.producer(quarkusMap()).get("linger.ms"));
        assertFalse(KafkaClientSettings.consumer(quarkusMap()).containsKey("linger.ms"));
        assertFalse(KafkaClientSettings.admin(quarkusMap()).containsKey("linger.ms"));
    }

    @Test
    void theResultIsTheCallersToAddTo() {
        Map<String, Object> p = KafkaClientSettings.producer(quarkusMap());
        p.put("transactional.id", "t");
        assertFalse(KafkaClientSettings.producer(quarkusMap()).containsKey("transactional.id"));
    }
}
