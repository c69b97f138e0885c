package io.vbpstream.aggregator;

import io.vbpstream.platform.Topic;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * The topics Kafka Streams waits for, from the one topic definition ({@link Topic}) rather than written again in
 * {@code application.properties}. Low ordinal: any other source can still override them.
 */
public class TopicConfigSource implements ConfigSource {

    private static final Map<String, String> PROPERTIES = Map.of("quarkus.kafka-streams.topics",
            String.join(",", Topic.ACTIVATION_MOMENTS.topicName(), Topic.LAYER_STATISTICS.topicName(),
                    Topic.ACTIVATION_MOMENTS_DLQ.topicName()));

    @Override
    public Map<String, String> getProperties() {
        return PROPERTIES;
    }

    @Override
    public Set<String> getPropertyNames() {
        return PROPERTIES.keySet();
    }

    @Override
    public String getValue(String name) {
        return PROPERTIES.get(name);
    }

    @Override
    public String getName() {
        return "vbp-topics";
    }

    @Override
    public int getOrdinal() {
        return 50;
    }
}
