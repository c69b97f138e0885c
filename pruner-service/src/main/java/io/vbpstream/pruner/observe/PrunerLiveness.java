package io.vbpstream.pruner.observe;

import io.vbpstream.pruner.RecompressionLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.util.Map;

/**
 * Live while the followers of the three topics and the periodic checks are running. An {@code OutOfMemoryError} (or
 * any other {@code Error}) in one of them ends it for good, and the pruner would otherwise stay UP and never promote
 * again; DOWN makes the orchestrator restart it. A broker outage is alive: the followers retry.
 */
@Liveness
@ApplicationScoped
public class PrunerLiveness implements HealthCheck {

    @Inject
    RecompressionLoop service;

    @Override
    public HealthCheckResponse call() {
        Map<String, String> stalled = service.stalled();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("pruner threads").status(stalled.isEmpty());
        stalled.forEach((thread, cause) -> b.withData("died:" + thread, cause));
        return b.build();
    }
}
