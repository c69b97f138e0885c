package io.vbpstream.platform;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings the integration tests start the packaged services with, written once: the broker and the shared
 * model store, and the test timings of each service (short windows and emissions, a pruner that steps after 10 000
 * samples). Each test adds its own with {@link #set}; {@link #start} launches a service with them
 * ({@link ServiceProcess}, its jar from {@link App#jar()}).
 */
public final class ServiceSettings {

    /** A packaged service: its module and the system property the build sets to its jar. */
    public enum App {
        COLLECTOR("activation-collector", "vbp.collector.app"),
        AGGREGATOR("stats-aggregator", "vbp.aggregator.app"),
        PRUNER("pruner-service", "vbp.pruner.app");

        private final String module;
        private final String property;

        App(String module, String property) {
            this.module = module;
            this.property = property;
        }

        /** The service's {@code quarkus-run.jar}: the build's system property, else the module's target folder. */
        public Path jar() {
            String set = System.getProperty(property);
            return set != null ? Path.of(set)
                    : LocalKafkaBroker.repoRoot().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        }
    }

    private final Map<String, String> settings = new LinkedHashMap<>();

    private ServiceSettings(String bootstrapServers) {
        settings.put("kafka.bootstrap.servers", bootstrapServers);
    }

    /** Settings for a service of the broker at {@code bootstrapServers}. */
    public static ServiceSettings on(String bootstrapServers) {
        return new ServiceSettings(bootstrapServers);
    }

    /** The model store the collector and the pruner share. */
    public ServiceSettings store(Path root) {
        settings.put("vbp.collector.store.directory", root.toString());
        settings.put("vbp.pruner.store.directory", root.toString());
        return this;
    }

    /** A collector serving {@code modelUri} (with its card), committing windows of 128 images or 1 s. */
    public ServiceSettings collector(String instanceId, String modelUri, Path card) {
        settings.put("vbp.collector.instance-id", instanceId);
        settings.put("vbp.collector.model.uri", modelUri);
        settings.put("vbp.collector.model.card", card.toString());
        settings.put("vbp.collector.flush.images", "128");
        settings.put("vbp.collector.flush.interval", "1s");
        return this;
    }

    /** An aggregator with its state in {@code stateDir}, emitting every 500 ms, reachable on 127.0.0.1. */
    public ServiceSettings aggregator(Path stateDir) {
        settings.put("vbp.aggregator.state-dir", stateDir.toString());
        settings.put("vbp.aggregator.emit-interval", "500ms");
        settings.put("vbp.aggregator.host", "127.0.0.1");
        return this;
    }

    /**
     * A pruner of the base {@code baseUri} that takes one 10% MACs step once 10 000 samples' statistics are stable
     * (checks every 500 ms, stability 0.90), with a gate of 300 images at {@code minAgreement}.
     */
    public ServiceSettings pruner(String baseUri, Path card, double minAgreement) {
        settings.put("vbp.pruner.model.base-uri", baseUri);
        settings.put("vbp.pruner.model.card", card.toString());
        settings.put("vbp.pruner.check-interval", "500ms");
        settings.put("vbp.pruner.convergence.n-min", "10000");
        settings.put("vbp.pruner.convergence.delta-n", "10000");
        settings.put("vbp.pruner.convergence.stability", "0.90");
        settings.put("vbp.pruner.policy.step", "0.10");
        settings.put("vbp.pruner.policy.final-target", "0.10");
        settings.put("vbp.pruner.gate.images", "300");
        settings.put("vbp.pruner.gate.min-agreement", Double.toString(minAgreement));
        return this;
    }

    public ServiceSettings set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    public ServiceSettings set(Map<String, String> more) {
        settings.putAll(more);
        return this;
    }

    /** The settings so far, in the order they were set. */
    public Map<String, String> map() {
        return new LinkedHashMap<>(settings);
    }

    /** Starts {@code app} with these settings, logging to {@code log}, and waits until it is ready. */
    public ServiceProcess start(App app, Path log) throws Exception {
        return ServiceProcess.start(app.jar(), map(), log);
    }
}
