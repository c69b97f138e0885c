package io.vbpstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vbpstream.platform.LocalKafkaBroker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One Kustomize overlay as {@code kubectl kustomize} renders it, indexed by kind and name. */
final class RenderedOverlay {

    static final Path ROOT = LocalKafkaBroker.repoRoot();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, RenderedOverlay> CACHE = new ConcurrentHashMap<>();

    final String name;
    final List<JsonNode> objects;
    private final Map<String, Map<String, JsonNode>> byKind = new LinkedHashMap<>();

    private RenderedOverlay(String name, List<JsonNode> objects) {
        this.name = name;
        this.objects = objects;
        for (JsonNode o : objects) {
            byKind.computeIfAbsent(o.path("kind").asText(), k -> new LinkedHashMap<>())
                    .put(o.path("metadata").path("name").asText(), o);
        }
    }

    /** {@code deploy/kubernetes/overlays/<name>}, rendered once per test JVM. */
    static RenderedOverlay of(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            try {
                Tools.Run r = Tools.run(ROOT, "kubectl", "kustomize", "deploy/kubernetes/overlays/" + n);
                if (r.status() != 0) {
                    throw new IllegalStateException("kubectl kustomize " + n + " failed:\n" + r.output());
                }
                return new RenderedOverlay(n, parseAll(r.output()));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static List<JsonNode> parseAll(String yaml) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    Map<String, JsonNode> kind(String kind) {
        return byKind.getOrDefault(kind, Collections.emptyMap());
    }

    /** Deployments and StatefulSets. */
    List<JsonNode> workloads() {
        List<JsonNode> out = new ArrayList<>(kind("Deployment").values());
        out.addAll(kind("StatefulSet").values());
        return out;
    }

    static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    static JsonNode podLabels(JsonNode workload) {
        return workload.path("spec").path("template").path("metadata").path("labels");
    }

    /** The Secrets Strimzi's operators create for the rendered Kafka clusters and users. */
    Set<String> strimziSecrets() {
        Set<String> out = new HashSet<>(kind("KafkaUser").keySet());
        for (String kafka : kind("Kafka").keySet()) {
            out.add(kafka + "-cluster-ca-cert");
            out.add(kafka + "-clients-ca-cert");
        }
        return out;
    }

    /** The Services Strimzi creates for the rendered Kafka clusters. */
    Set<String> strimziServices() {
        Set<String> out = new HashSet<>();
        for (String kafka : kind("Kafka").keySet()) {
            out.add(kafka + "-kafka-bootstrap");
            out.add(kafka + "-kafka-brokers");
        }
        return out;
    }

    /** True when every key/value of {@code selector} is among {@code labels}. */
    static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isMissingNode() || selector.isEmpty()) {
            return true;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }
}
