package io.vbpstream.collector;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vbpstream.collector.model.DjlEngine;
import io.vbpstream.collector.model.ModelRegistry;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.collector.pipeline.CollectorLoop;
import io.vbpstream.collector.pipeline.LoopSettings;
import io.vbpstream.collector.pipeline.ImageIntake;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.runtime.OrtShutdown;
import io.vbpstream.platform.KafkaCredentialsCheck;
import io.vbpstream.platform.VitalThreads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** Starts the model registry and the pipeline thread with the application, and stops them cleanly with it. */
@ApplicationScoped
public class CollectorService {

    private static final Logger LOG = Logger.getLogger(CollectorService.class);

    @Inject
    CollectorConfig config;

    @Inject
    ModelRegistry registry;

    @Inject
    CollectorMetrics metrics;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private CollectorLoop loop;
    private Thread thread;
    private final AtomicBoolean stopped = new AtomicBoolean();

    void onStart(@Observes StartupEvent event) {
        DjlEngine.get();
        registry.start();
        LoopSettings settings = new LoopSettings(config.instanceId(), config.group(),
                config.batch().size(), config.batch().maxActivationBytes(), config.batch().maxPollRecords(), config.flush().images(), config.flush().interval(),
                new ImageDecoder.Limits(config.limits().maxBytes(), config.limits().maxPixels()),
                new ImageIntake.RecordLimits(config.limits().maxKeyBytes(), config.limits().maxHeaderBytes()), config.topK(),
                config.covariance().firstPublication(), config.covariance().maxInterval(), config.covariance().tileSize(),
                config.covariance().gramRows(), config.transactionTimeout());
        loop = new CollectorLoop(settings, kafkaConfig, registry, metrics, why -> {
            VitalThreads.failed("vbp-collector-loop", new IllegalStateException(why));
            Quarkus.asyncExit(KafkaCredentialsCheck.EXIT_CONFIG);
        });
        thread = new Thread(null, VitalThreads.guard("vbp-collector-loop", loop), "vbp-collector-loop", 64L << 20);
        thread.start();
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            // inference stops before ONNX Runtime's own shutdown hook frees its environment (see OrtShutdown)
            OrtShutdown.install(this::stopInference, () -> Quarkus.asyncExit(0));
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopInference();
    }

    /** Ends the loop (its open transaction committed or aborted) and closes every session; runs once. */
    private void stopInference() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        if (loop != null) {
            loop.stop();
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("the collector loop did not stop within 30 s; its open transaction will be aborted");
            }
        }
        registry.close();
    }

    /** The pipeline loop, for health checks. */
    public CollectorLoop loop() {
        return loop;
    }
}
