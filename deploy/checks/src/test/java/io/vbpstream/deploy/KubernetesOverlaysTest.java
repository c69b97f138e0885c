package io.vbpstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vbpstream.platform.Topic;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static io.vbpstream.deploy.RenderedOverlay.matches;
import static io.vbpstream.deploy.RenderedOverlay.podLabels;
import static io.vbpstream.deploy.RenderedOverlay.podSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both overlays, rendered by {@code kubectl kustomize} and checked the way a cluster would fail them: unknown kinds,
 * references to objects that do not exist, probes on paths the services do not serve, images the build does not
 * produce, a grace period shorter than the services' shutdown, selectors that select nothing.
 */
class KubernetesOverlaysTest {

    static final List<String> SERVICES = List.of("activation-collector", "stats-aggregator", "pruner-service");
    private static final Map<String, Set<String>> KNOWN = Map.of(
            "v1", Set.of("Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service", "PersistentVolumeClaim"),
            "apps/v1", Set.of("Deployment", "StatefulSet"),
            "autoscaling/v2", Set.of("HorizontalPodAutoscaler"),
            "policy/v1", Set.of("PodDisruptionBudget"),
            "networking.k8s.io/v1", Set.of("NetworkPolicy"),
            "kafka.strimzi.io/v1beta2", Set.of("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"),
            "monitoring.coreos.com/v1", Set.of("ServiceMonitor", "PodMonitor", "PrometheusRule"));
    /** Secrets an operator creates by hand before applying the overlay (deploy/kubernetes/README.md says how). */
    private static final Map<String, Set<String>> BY_HAND = Map.of("dev", Set.of(), "prod", Set.of("pruner-admin-token"));

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyObjectHasAKnownKindANameAndTheNamespace(String overlay) {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        assertTrue(o.objects.size() > 30, "rendered " + o.objects.size() + " objects");
        Set<String> seen = new HashSet<>();
        for (JsonNode obj : o.objects) {
            String api = obj.path("apiVersion").asText();
            String kind = obj.path("kind").asText();
            String name = obj.path("metadata").path("name").asText();
            assertTrue(KNOWN.getOrDefault(api, Set.of()).contains(kind), "unknown " + api + " " + kind + " " + name);
            assertFalse(name.isBlank(), kind + " without a name");
            assertTrue(name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") && name.length() <= 253, "not a valid name: " + name);
            assertTrue(seen.add(kind + "/" + name), "twice: " + kind + "/" + name);
            if (!kind.equals("Namespace")) {
                assertEquals("vbp", obj.path("metadata").path("namespace").asText(), kind + "/" + name + " namespace");
            }
        }
        for (String service : SERVICES) {
            assertTrue(o.workloads().stream().anyMatch(w -> w.path("metadata").path("name").asText().equals(service)),
                    "a workload for " + service);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyReferencedConfigMapSecretClaimServiceAndAccountExists(String overlay) {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        List<String> missing = new ArrayList<>();
        Set<String> secrets = new HashSet<>(o.kind("Secret").keySet());
        secrets.addAll(o.strimziSecrets());
        secrets.addAll(BY_HAND.get(overlay));
        for (JsonNode w : o.workloads()) {
            String where = w.path("kind").asText() + "/" + w.path("metadata").path("name").asText();
            JsonNode pod = podSpec(w);
            Set<String> volumes = new HashSet<>();
            for (JsonNode v : pod.path("volumes")) {
                volumes.add(v.path("name").asText());
                if (v.has("configMap") && !o.kind("ConfigMap").containsKey(v.path("configMap").path("name").asText())) {
                    missing.add(where + " volume ConfigMap " + v.path("configMap").path("name").asText());
                }
                if (v.has("secret") && !secrets.contains(v.path("secret").path("secretName").asText())) {
                    missing.add(where + " volume Secret " + v.path("secret").path("secretName").asText());
                }
                if (v.has("persistentVolumeClaim")
                        && !o.kind("PersistentVolumeClaim").containsKey(v.path("persistentVolumeClaim").path("claimName").asText())) {
                    missing.add(where + " PVC " + v.path("persistentVolumeClaim").path("claimName").asText());
                }
            }
            w.path("spec").path("volumeClaimTemplates").forEach(t -> volumes.add(t.path("metadata").path("name").asText()));
            String account = pod.path("serviceAccountName").asText("default");
            if (!account.equals("default") && !o.kind("ServiceAccount").containsKey(account)) {
                missing.add(where + " ServiceAccount " + account);
            }
            if (w.path("kind").asText().equals("StatefulSet") && !o.kind("Service").containsKey(w.path("spec").path("serviceName").asText())) {
                missing.add(where + " governing Service " + w.path("spec").path("serviceName").asText());
            }
            List<JsonNode> containers = new ArrayList<>();
            pod.path("containers").forEach(containers::add);
            pod.path("initContainers").forEach(containers::add);
            for (JsonNode c : containers) {
                for (JsonNode m : c.path("volumeMounts")) {
                    if (!volumes.contains(m.path("name").asText())) {
                        missing.add(where + " mounts an undeclared volume " + m.path("name").asText());
                    }
                }
                for (JsonNode e : c.path("env")) {
                    JsonNode cm = e.path("valueFrom").path("configMapKeyRef");
                    if (!cm.isMissingNode()) {
                        JsonNode map = o.kind("ConfigMap").get(cm.path("name").asText());
                        if (map == null || !map.path("data").has(cm.path("key").asText())) {
                            missing.add(where + " env " + e.path("name").asText() + " from ConfigMap " + cm);
                        }
                    }
                    JsonNode sk = e.path("valueFrom").path("secretKeyRef");
                    if (!sk.isMissingNode()) {
                        String name = sk.path("name").asText();
                        JsonNode rendered = o.kind("Secret").get(name);
                        boolean keyThere = rendered == null ? secrets.contains(name)
                                : rendered.path("data").has(sk.path("key").asText()) || rendered.path("stringData").has(sk.path("key").asText());
                        if (!keyThere) {
                            missing.add(where + " env " + e.path("name").asText() + " from Secret " + sk);
                        }
                    }
                }
                for (JsonNode e : c.path("envFrom")) {
                    if (e.has("configMapRef") && !o.kind("ConfigMap").containsKey(e.path("configMapRef").path("name").asText())) {
                        missing.add(where + " envFrom ConfigMap " + e.path("configMapRef").path("name").asText());
                    }
                    if (e.has("secretRef") && !secrets.contains(e.path("secretRef").path("name").asText())) {
                        missing.add(where + " envFrom Secret " + e.path("secretRef").path("name").asText());
                    }
                }
            }
        }
        // the Kafka address the services get names a Service that Strimzi creates for the rendered cluster
        for (JsonNode cm : o.kind("ConfigMap").values()) {
            String bootstrap = cm.path("data").path("kafka.bootstrap.servers").asText(null);
            if (bootstrap != null && !o.strimziServices().contains(bootstrap.split(":")[0])) {
                missing.add("ConfigMap " + cm.path("metadata").path("name").asText() + " kafka.bootstrap.servers " + bootstrap);
            }
        }
        assertTrue(missing.isEmpty(), String.join("\n", missing));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void probesAndPortsAreTheServicesOwn(String overlay) throws IOException {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        for (String service : SERVICES) {
            JsonNode c = container(o, service);
            JsonNode http = null;
            for (JsonNode p : c.path("ports")) {
                http = p.path("name").asText().equals("http") ? p : http;
            }
            assertTrue(http != null, service + " has a port named http");
            assertEquals(Integer.parseInt(properties(service).getProperty("quarkus.http.port")), http.path("containerPort").asInt(),
                    service + " listens where the container port says");
            assertProbe(c, "startupProbe", "/q/health/started", service);
            assertProbe(c, "livenessProbe", "/q/health/live", service);
            assertProbe(c, "readinessProbe", "/q/health/ready", service);
            assertTrue(c.path("resources").path("requests").has("cpu") && c.path("resources").path("limits").has("memory"),
                    service + " requests and limits");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void imagesAreTheOnesTheBuildProduces(String overlay) throws IOException {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        String tag = System.getProperty("vbp.image.tag");
        for (String service : SERVICES) {
            String group = properties(service).getProperty("quarkus.container-image.group");
            String image = container(o, service).path("image").asText();
            String built = group + "/" + service;
            if (overlay.equals("dev")) {
                assertEquals(built + ":" + tag, image, "dev runs what ./mvnw package -Dquarkus.container-image.build=true makes");
            } else {
                assertTrue(image.matches("[a-z0-9.:-]+(/[a-z0-9._-]+)*/" + built + ":[A-Za-z0-9._-]+"),
                        "prod pulls " + built + " from a registry: " + image);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theGracePeriodOutlastsTheServicesShutdown(String overlay) throws IOException {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        for (String service : SERVICES) {
            Properties p = properties(service);
            assertEquals("true", p.getProperty("quarkus.shutdown.delay-enabled"), service);
            Duration shutdown = Duration.parse("PT" + p.getProperty("quarkus.shutdown.delay").toUpperCase())
                    .plus(Duration.parse("PT" + p.getProperty("quarkus.shutdown.timeout").toUpperCase()));
            JsonNode w = workload(o, service);
            long grace = podSpec(w).path("terminationGracePeriodSeconds").asLong(30);
            assertTrue(grace > shutdown.toSeconds(), service + ": grace " + grace + " s, shutdown " + shutdown);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everySelectorSelectsSomething(String overlay) {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        List<String> empty = new ArrayList<>();
        for (JsonNode s : o.kind("Service").values()) {
            JsonNode sel = s.path("spec").path("selector");
            if (o.workloads().stream().noneMatch(w -> matches(sel, podLabels(w)))) {
                empty.add("Service " + s.path("metadata").path("name").asText());
            }
        }
        for (JsonNode m : o.kind("ServiceMonitor").values()) {
            List<JsonNode> services = o.kind("Service").values().stream()
                    .filter(s -> matches(m.path("spec").path("selector").path("matchLabels"), s.path("metadata").path("labels"))).toList();
            if (services.isEmpty()) {
                empty.add("ServiceMonitor " + m.path("metadata").path("name").asText());
            }
            for (JsonNode ep : m.path("spec").path("endpoints")) {
                boolean port = services.stream().anyMatch(s -> {
                    for (JsonNode p : s.path("spec").path("ports")) {
                        if (p.path("name").asText().equals(ep.path("port").asText())) {
                            return true;
                        }
                    }
                    return false;
                });
                if (!port || !ep.path("path").asText().equals("/q/metrics")) {
                    empty.add("ServiceMonitor " + m.path("metadata").path("name").asText() + " endpoint " + ep);
                }
            }
        }
        for (JsonNode pdb : o.kind("PodDisruptionBudget").values()) {
            if (o.workloads().stream().noneMatch(w -> matches(pdb.path("spec").path("selector").path("matchLabels"), podLabels(w)))) {
                empty.add("PodDisruptionBudget " + pdb.path("metadata").path("name").asText());
            }
        }
        for (JsonNode hpa : o.kind("HorizontalPodAutoscaler").values()) {
            JsonNode target = hpa.path("spec").path("scaleTargetRef");
            if (!o.kind(target.path("kind").asText()).containsKey(target.path("name").asText())) {
                empty.add("HorizontalPodAutoscaler target " + target);
            }
            assertTrue(hpa.path("spec").path("maxReplicas").asInt() <= Topic.IMAGES.partitions(),
                    "more collectors than images partitions would idle");
        }
        // a default deny: one ingress policy with no rules covering every pipeline pod
        boolean denied = o.kind("NetworkPolicy").values().stream().anyMatch(np ->
                np.path("spec").path("policyTypes").toString().contains("Ingress") && np.path("spec").path("ingress").isEmpty()
                        && SERVICES.stream().allMatch(s -> matches(np.path("spec").path("podSelector").path("matchLabels"),
                        podLabels(workload(o, s)))));
        assertTrue(denied, "a default-deny ingress NetworkPolicy over the three services");
        for (String service : SERVICES) {
            boolean metricsAllowed = o.kind("NetworkPolicy").values().stream().anyMatch(np ->
                    matches(np.path("spec").path("podSelector").path("matchLabels"), podLabels(workload(o, service)))
                            && !np.path("spec").path("ingress").isEmpty());
            assertTrue(metricsAllowed, "some ingress (at least Prometheus) is allowed to " + service);
        }
        assertTrue(empty.isEmpty(), "select nothing:\n" + String.join("\n", empty));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theTopicsAreTheSingleDefinitionsAndTheMonitoringShips(String overlay) throws IOException {
        RenderedOverlay o = RenderedOverlay.of(overlay);
        Map<String, JsonNode> topics = o.kind("KafkaTopic");
        assertEquals(Topic.all().size(), topics.size());
        int replicas = overlay.equals("prod") ? 3 : 1;
        for (Topic t : Topic.all()) {
            JsonNode kt = topics.get(t.topicName());
            assertTrue(kt != null, t.topicName());
            assertEquals(t.partitions(), kt.path("spec").path("partitions").asInt(), t.topicName());
            assertEquals(replicas, kt.path("spec").path("replicas").asInt(), t.topicName());
            t.configs().forEach((k, v) -> assertEquals(v, kt.path("spec").path("config").path(k).asText(), t.topicName() + " " + k));
            assertTrue(o.kind("Kafka").containsKey(kt.path("metadata").path("labels").path("strimzi.io/cluster").asText()));
        }
        JsonNode dashboard = o.kind("ConfigMap").values().stream()
                .filter(c -> "1".equals(c.path("metadata").path("labels").path("grafana_dashboard").asText())).findFirst().orElseThrow();
        assertEquals(RenderedOverlay.YAML.readTree(Files.readString(RenderedOverlay.ROOT.resolve("deploy/grafana/dashboards/vbp-pipeline.json"))),
                RenderedOverlay.YAML.readTree(dashboard.path("data").path("vbp-pipeline.json").asText()), "the dashboard ConfigMap");
        JsonNode rule = o.kind("PrometheusRule").values().stream().findFirst().orElseThrow();
        assertEquals(RenderedOverlay.YAML.readTree(RenderedOverlay.ROOT.resolve("deploy/prometheus/rules/vbp-alerts.yml").toFile())
                .path("groups"), rule.path("spec").path("groups"), "the PrometheusRule holds deploy/prometheus/rules");
    }

    private static void assertProbe(JsonNode container, String probe, String path, String service) {
        JsonNode get = container.path(probe).path("httpGet");
        assertEquals(path, get.path("path").asText(), service + " " + probe);
        assertEquals("http", get.path("port").asText(), service + " " + probe + " port");
    }

    private static JsonNode workload(RenderedOverlay o, String service) {
        return o.workloads().stream().filter(w -> w.path("metadata").path("name").asText().equals(service)).findFirst()
                .orElseThrow(() -> new AssertionError("no workload " + service));
    }

    private static JsonNode container(RenderedOverlay o, String service) {
        for (JsonNode c : podSpec(workload(o, service)).path("containers")) {
            if (c.path("name").asText().equals(service)) {
                return c;
            }
        }
        throw new AssertionError("no container " + service);
    }

    static Properties properties(String service) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(RenderedOverlay.ROOT.resolve(service + "/src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }
}
