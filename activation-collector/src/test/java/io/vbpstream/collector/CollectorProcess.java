package io.vbpstream.collector;

import io.vbpstream.platform.LocalKafkaBroker;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged collector ({@code target/quarkus-app/quarkus-run.jar}) as a child JVM, so a test can kill it for real
 * (SIGKILL: no shutdown hook, no flush) and start it again.
 */
final class CollectorProcess implements AutoCloseable {

    private final Process process;
    private final int httpPort;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private CollectorProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /** Starts the collector with {@code settings} as system properties, and waits until it reports ready. */
    static CollectorProcess start(Map<String, String> settings, Path log) throws Exception {
        String app = System.getProperty("vbp.collector.app");
        if (app == null || !Files.isRegularFile(Path.of(app))) {
            throw new IllegalStateException("the packaged collector is missing (" + app + "); run through Maven's verify");
        }
        int port = LocalKafkaBroker.freePort();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dquarkus.http.port=" + port));
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", app));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.directory(LocalKafkaBroker.repoRoot().toFile());
        CollectorProcess p = new CollectorProcess(pb.start(), port, log);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the collector exited with " + process.exitValue() + "; see " + log
                        + "\n" + tail());
            }
            if (get("/q/health/ready").statusCode() == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the collector was not ready in " + timeout + "; see " + log + "\n" + tail());
    }

    HttpResponse<String> get(String path) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Unreachable();
        }
    }

    /** The value of one Prometheus series (exact name with labels), or 0 if absent. */
    double metric(String series) throws InterruptedException {
        for (String line : get("/q/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    /** SIGKILL: the process gets no chance to commit, flush or close anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A response for a collector that does not answer (yet). */
    private static final class Unreachable implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return -1;
        }

        @Override
        public HttpRequest request() {
            return null;
        }

        @Override
        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        @Override
        public String body() {
            return "";
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        @Override
        public URI uri() {
            return null;
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
