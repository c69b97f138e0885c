package io.vbpstream.platform;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;

/**
 * In every service: stops it with a clear message and exit status {@value KafkaCredentialsCheck#EXIT_CONFIG} when
 * the broker refuses its credentials ({@link KafkaCredentialsCheck}, in the background at start-up, 30 s). The
 * services' clients, Kafka Streams' included, take their security settings from the same {@code kafka.*} ones, so one
 * check covers them all.
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
