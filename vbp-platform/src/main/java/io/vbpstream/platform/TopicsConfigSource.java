package io.vbpstream.platform;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Configuration properties that name topics, filled from the one topic definition ({@link Topic}) so no service
 * writes a topic name again in its {@code application.properties}. The collector and the aggregator (the services
 * whose extensions read topic names from configuration) subclass it with their properties and register the subclass in {@code META-INF/services/org.eclipse.microprofile.config.spi.ConfigSource}. Low ordinal:
 * any other source can still override them.
 */
public abstract class TopicsConfigSource implements ConfigSource {

    private final Map<String, String> properties;

    protected TopicsConfigSource(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String name) {
        return properties.get(name);
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
