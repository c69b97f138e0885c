package io.vbpstream.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, which {@code .ci/run} installs) scraping services
 * under test every second, with the repository's alert rules loaded; queried over its HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {

    /** Where Debian's package puts the binary; {@code -Dvbp.prometheus=...} overrides it. */
    public static final Path BINARY = Path.of(System.getProperty("vbp.prometheus", "/usr/bin/prometheus"));

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts Prometheus in {@code dir}, scraping {@code /q/metrics} of each job's {@code host:port} target every
     * second, with {@code ruleFiles} loaded (evaluated every second too).
     */
    public static PrometheusServer start(Path dir, Map<String, String> jobs, List<Path> ruleFiles) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's prometheus package (.ci/run does)");
        }
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
        config.append("rule_files:\n");
        ruleFiles.forEach(f -> config.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        config.append("scrape_configs:\n");
        jobs.forEach((job, target) -> config.append("  - job_name: '").append(job).append("'\n")
                .append("    metrics_path: /q/metrics\n")
                .append("    static_configs:\n      - targets: ['").append(target).append("']\n"));
        Files.createDirectories(dir);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config.toString());
        int port = LocalKafkaBroker.freePort();
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + file, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        PrometheusServer s = new PrometheusServer(p, port, log);
        s.awaitReady();
        return s;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("prometheus not ready in 60 s: " + Files.readString(log));
    }

    /** An instant query's {@code data} node; throws with Prometheus' own error text if the query fails. */
    public JsonNode query(String promql) throws Exception {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = json.readTree(r.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IllegalArgumentException("query failed (" + body.path("errorType").asText() + ": "
                    + body.path("error").asText() + "): " + promql);
        }
        return body.get("data");
    }

    /** The number of series (or 1 for a scalar) an instant query returns. */
    public int seriesCount(String promql) throws Exception {
        JsonNode data = query(promql);
        return "vector".equals(data.path("resultType").asText()) || "matrix".equals(data.path("resultType").asText())
                ? data.get("result").size() : 1;
    }

    /** Every loaded rule as {@code group/name #n -> health (ok, err, unknown) and last error}. */
    public Map<String, String> ruleHealth() throws Exception {
        JsonNode groups = json.readTree(get("/api/v1/rules").body()).path("data").path("groups");
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode g : groups) {
            int n = 0;
            for (JsonNode rule : g.path("rules")) {
                out.put(g.path("name").asText() + "/" + rule.path("name").asText() + " #" + ++n,
                        rule.path("health").asText() + " " + rule.path("lastError").asText(""));
            }
        }
        return out;
    }

    /** The scrape targets' health, {@code job -> up/down and last error}. */
    public Map<String, String> targets() throws Exception {
        JsonNode active = json.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        return java.util.stream.StreamSupport.stream(active.spliterator(), false).collect(Collectors.toMap(
                t -> t.path("labels").path("job").asText(), t -> t.path("health").asText() + " " + t.path("lastError").asText(""),
                (a, b) -> a + "; " + b, java.util.TreeMap::new));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
