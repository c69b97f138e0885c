package io.vbpstream.platform.observe;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The tags every meter of a vbp-stream service carries (a meter's own tag of the same name wins): {@code application}
 * ({@code quarkus.application.name}) and {@code model} ({@value #MODEL_TAG}, which each service's
 * {@code application.properties} points at its own model setting). The dashboards and alert rules select by both.
 * One bean for the three services: {@code vbp-platform} is a bean archive ({@code META-INF/beans.xml}).
 */
@Singleton
public class CommonTags {

    /** The setting the {@code model} tag is read from. */
    public static final String MODEL_TAG = "vbp.metrics.model-tag";

    @Produces
    @Singleton
    static MeterFilter commonTags(@ConfigProperty(name = "quarkus.application.name") String application,
                                  @ConfigProperty(name = MODEL_TAG) String model) {
        return MeterFilter.commonTags(Tags.of("application", application, "model", model));
    }
}
