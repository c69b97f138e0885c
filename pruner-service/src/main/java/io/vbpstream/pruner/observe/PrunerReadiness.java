package io.vbpstream.pruner.observe;

import io.vbpstream.pruner.RecompressionLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once model-versions and layer-statistics have been read to where they stood at start. */
@Readiness
@ApplicationScoped
public class PrunerReadiness implements HealthCheck {

    @Inject
    RecompressionLoop service;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("pruner caught up").status(service.caughtUp())
                .withData("lastError", String.valueOf(service.lastError())).build();
    }
}
