package io.vbpstream.collector.observe;

import io.smallrye.common.annotation.Identifier;
import io.vbpstream.collector.CollectorService;
import io.vbpstream.collector.model.ModelRegistry;
import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.pipeline.CollectorLoop;
import io.vbpstream.platform.KafkaClientSettings;
import io.vbpstream.platform.VitalThreads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Readiness: a model is loaded and the broker answers. Liveness: the pipeline thread is iterating (broker or not) and
 * no vital thread has died ({@link VitalThreads}).
 */
public final class CollectorHealth {

    private CollectorHealth() {
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {

        @Inject
        ModelRegistry registry;

        @Inject
        CollectorService service;

        @Inject
        @Identifier("default-kafka-broker")
        Map<String, Object> kafkaConfig;

        private Admin admin;

        @Override
        public HealthCheckResponse call() {
            ServingModel model = registry.current();
            CollectorLoop loop = service.loop();
            boolean kafka = brokerAnswers();
            return HealthCheckResponse.named("activation-collector")
                    .status(model != null && kafka && loop != null && loop.connected())
                    .withData("model", model == null ? "none loaded" : model.toString())
                    .withData("kafka", kafka ? "reachable" : "unreachable")
                    .withData("pipeline", loop != null && loop.connected() ? "consuming" : "not consuming")
                    .build();
        }

        private synchronized boolean brokerAnswers() {
            try {
                if (admin == null) {
                    Map<String, Object> c = KafkaClientSettings.admin(kafkaConfig);
                    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
                    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
                    admin = Admin.create(c);
                }
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).clusterId().get(3, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        }
    }

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {

        /** A loop iteration takes one poll (200 ms) plus one window of inference; a minute means it is stuck. */
        private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(60);

        @Inject
        CollectorService service;

        @Override
        public HealthCheckResponse call() {
            CollectorLoop loop = service.loop();
            long idle = loop == null ? 0 : System.nanoTime() - loop.heartbeatNanos();
            Map<String, String> dead = VitalThreads.failures();
            HealthCheckResponseBuilder b = HealthCheckResponse.named("activation-collector-loop")
                    .status(loop != null && idle < STALL_NANOS && dead.isEmpty())
                    .withData("since-last-iteration-ms", TimeUnit.NANOSECONDS.toMillis(idle));
            dead.forEach((thread, cause) -> b.withData("died:" + thread, cause));
            return b.build();
        }
    }
}
