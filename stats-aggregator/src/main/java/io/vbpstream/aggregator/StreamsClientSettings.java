package io.vbpstream.aggregator;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.vbpstream.platform.KafkaClientSettings;
import org.apache.kafka.streams.StreamsConfig;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka Streams' clients take the {@code kafka.*} settings by the same rule as every other client of the services
 * ({@link KafkaClientSettings}: what a Kafka client, or here Kafka Streams itself, defines): each {@code kafka.<name>}
 * set anywhere (application.properties, a {@code KAFKA_*} environment variable, a system property) is also
 * {@code kafka-streams.<name>}, which the Kafka Streams extension hands to Streams. So one set of {@code kafka.*}
 * security settings (SASL, TLS, a login callback handler, ...) reaches the aggregator's Streams, admin and
 * credentials-check clients alike. Low ordinal: a {@code kafka-streams.*} setting written out wins.
 */
public class StreamsClientSettings implements ConfigSourceFactory {

    static final String NAME = "vbp-kafka-streams-clients";
    static final int ORDINAL = 50;

    /** The names looked up under {@code kafka.}: every client setting and every Kafka Streams setting. */
    static Set<String> names() {
        Set<String> names = new TreeSet<>(KafkaClientSettings.clientNames());
        names.addAll(StreamsConfig.configDef().names());
        return names;
    }

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return List.of(new PropertiesConfigSource(settings(context), NAME, ORDINAL));
    }

    /** {@code kafka-streams.<name>} for each {@code kafka.<name>} the context has a non-empty value of. */
    static Map<String, String> settings(ConfigSourceContext context) {
        Map<String, String> out = new TreeMap<>();
        for (String name : names()) {
            ConfigValue v = context.getValue("kafka." + name);
            if (v != null && v.getValue() != null && !v.getValue().isEmpty()) {
                out.put("kafka-streams." + name, v.getValue());
            }
        }
        return out;
    }
}
