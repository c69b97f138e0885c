package io.vbpstream.collector.observe;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.vbpstream.collector.CollectorConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The tags every meter of this service carries (a meter's own tag of the same name wins): application and model. */
@Singleton
public class CommonTags {

    @Produces
    @Singleton
    static MeterFilter commonTags(@ConfigProperty(name = "quarkus.application.name") String application, CollectorConfig config) {
        return MeterFilter.commonTags(Tags.of("application", application, "model", config.model().id()));
    }
}
