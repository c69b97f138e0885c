package io.vbpstream.collector;

import io.vbpstream.platform.Topic;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Channel topic names from the one topic definition ({@link Topic}), so they are not written again in
 * {@code application.properties}. Low ordinal: any other source can still override them.
 */
public class TopicConfigSource implements ConfigSource {

    private static final Map<String, String> PROPERTIES = Map.of(
            "mp.messaging.incoming.model-versions.topic", Topic.MODEL_VERSIONS.topicName(),
            "mp.messaging.incoming.model-versions.dead-letter-queue.topic", Topic.MODEL_VERSIONS_DLQ.topicName());

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
