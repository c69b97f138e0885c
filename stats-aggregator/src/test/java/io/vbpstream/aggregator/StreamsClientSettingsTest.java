package io.vbpstream.aggregator;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamsClientSettingsTest {

    @Test
    void everyKafkaClientOrStreamsSettingIsHandedToStreamsAndNothingElse() {
        Map<String, String> config = Map.of(
                "kafka.bootstrap.servers", "broker:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                // a client setting the old list of eleven did not carry
                "kafka.sasl.login.callback.handler.class", "com.example.Login",
                // a Kafka Streams setting
                "kafka.num.stream.threads", "2",
                "kafka.ssl.truststore.password", "", // empty: as if unset
                "kafka.not.a.kafka.setting", "x",
                "vbp.aggregator.host", "h");
        assertEquals(Map.of(
                "kafka-streams.bootstrap.servers", "broker:9093",
                "kafka-streams.security.protocol", "SASL_SSL",
                "kafka-streams.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "kafka-streams.sasl.login.callback.handler.class", "com.example.Login",
                "kafka-streams.num.stream.threads", "2"), StreamsClientSettings.settings(context(config)));
    }

    @Test
    void itsSourceRanksBelowApplicationPropertiesSoAKafkaStreamsSettingWrittenOutWins() {
        var source = new StreamsClientSettings().getConfigSources(context(Map.of("kafka.client.id", "c"))).iterator().next();
        assertEquals("c", source.getValue("kafka-streams.client.id"));
        assertEquals(StreamsClientSettings.ORDINAL, source.getOrdinal());
        assertTrue(source.getOrdinal() < 100, "below application.properties (250)");
    }

    private static ConfigSourceContext context(Map<String, String> config) {
        return new ConfigSourceContext() {
            @Override
            public ConfigValue getValue(String name) {
                String v = config.get(name);
                return v == null ? null : ConfigValue.builder().withName(name).withValue(v).build();
            }

            @Override
            public Iterator<String> iterateNames() {
                return config.keySet().iterator();
            }
        };
    }
}
