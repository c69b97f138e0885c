package io.vbpstream.aggregator.observe;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live unless the Kafka Streams client has died (ERROR, PENDING_ERROR, or shut down without being asked to). A
 * broker outage keeps it in CREATED or REBALANCING, which is alive: restarting would only add a store restore.
 */
@Liveness
@ApplicationScoped
public class StreamsLiveness implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        boolean dead = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                || state == KafkaStreams.State.NOT_RUNNING;
        return HealthCheckResponse.named("stats-aggregator streams client").status(!dead)
                .withData("state", state.name()).build();
    }
}
