package io.vbpstream.aggregator.observe;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vbpstream.platform.KafkaCredentialsCheck;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;

/**
 * Stops the service with a clear message when the broker refuses its credentials. Kafka Streams takes its security
 * settings from the same {@code kafka.*} ones (application.properties), so one check covers both.
 */
@ApplicationScoped
public class KafkaCredentialsGuard {

    private static final Logger LOG = Logger.getLogger(KafkaCredentialsGuard.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    void onStart(@Observes StartupEvent e) {
        KafkaCredentialsCheck.inBackground(kafka, Duration.ofSeconds(30), refusal -> {
            LOG.error(refusal);
            Quarkus.asyncExit(KafkaCredentialsCheck.EXIT_CONFIG);
        });
    }
}
