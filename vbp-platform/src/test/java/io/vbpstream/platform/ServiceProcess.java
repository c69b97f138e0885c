package io.vbpstream.platform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A packaged Quarkus service ({@code target/quarkus-app/quarkus-run.jar}) as a child JVM, so a test or benchmark
 * talks to it over HTTP and Kafka like production does, and can kill it for real (SIGKILL: no shutdown hook, no
 * flush) and start it again.
 */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final int httpPort;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /**
     * Starts {@code app} (a {@code quarkus-run.jar}) with {@code settings} as system properties on a free HTTP port,
     * and waits until {@code /q/health/ready} answers 200.
     */
    public static ServiceProcess start(Path app, Map<String, String> settings, Path log) throws Exception {
        return start(app, settings, Map.of(), log);
    }

    /** As {@link #start(Path, Map, Path)}, with {@code env} added to the process environment. */
    public static ServiceProcess start(Path app, Map<String, String> settings, Map<String, String> env, Path log)
            throws Exception {
        return start(app, settings, env, log, DEFAULT_HEAP);
    }

    /** As {@link #start(Path, Map, Map, Path)}, with a maximum heap of {@code maxHeap} ({@code -Xmx} syntax). */
    public static ServiceProcess start(Path app, Map<String, String> settings, Map<String, String> env, Path log,
                                       String maxHeap) throws Exception {
        ServiceProcess p = launch(app, settings, env, log, maxHeap);
        try {
            p.awaitReady(Duration.ofSeconds(90));
        } catch (Exception | Error e) {
            p.process.destroyForcibly();
            throw e;
        }
        return p;
    }

    /** Starts {@code app} without waiting for it to become ready (for services expected to stop by themselves). */
    public static ServiceProcess launch(Path app, Map<String, String> settings, Map<String, String> env, Path log)
            throws IOException {
        return launch(app, settings, env, log, DEFAULT_HEAP);
    }

    /** The heap a service under test gets unless a test asks for another. */
    public static final String DEFAULT_HEAP = "512m";

    /** As {@link #launch(Path, Map, Map, Path)}, with a maximum heap of {@code maxHeap} ({@code -Xmx} syntax). */
    public static ServiceProcess launch(Path app, Map<String, String> settings, Map<String, String> env, Path log,
                                        String maxHeap) throws IOException {
        if (!Files.isRegularFile(app)) {
            throw new IllegalStateException("the packaged service is missing (" + app + "); build it with Maven's package");
        }
        int port = LocalKafkaBroker.freePort();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + maxHeap,
                "-Dquarkus.http.port=" + port));
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", app.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().putAll(env);
        pb.directory(LocalKafkaBroker.repoRoot().toFile());
        ServiceProcess p = new ServiceProcess(pb.start(), port, log);
        // never outlive the JVM that started it, even if that one dies of an exception
        Runtime.getRuntime().addShutdownHook(new Thread(p.process::destroyForcibly));
        return p;
    }

    /** The exit status, once the process has ended within {@code timeout}; empty if it is still running. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue())
                : OptionalInt.empty();
    }

    /** Everything the process has written so far. */
    public String log() throws IOException {
        return Files.readString(log);
    }

    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue() + "; see " + log
                        + "\n" + tail());
            }
            if (get("/q/health/ready").statusCode() == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the service was not ready in " + timeout + "; see " + log + "\n" + tail());
    }

    public HttpResponse<String> get(String path) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Unreachable();
        }
    }

    /** The body of a binary answer; fails on any status but 200. */
    public byte[] getBytes(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).header("Accept", "application/octet-stream").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException(path + " answered " + r.statusCode() + ": " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return r.body();
    }

    /** The service's operating-system process id. */
    public long pid() {
        return process.pid();
    }

    /** The service's address for {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /**
     * The sum of the Prometheus series that match {@code selector}, {@code name} or {@code name{a="x",b="y"}}: the
     * same name and at least those labels (so the common {@code application} and {@code model} tags may be left
     * out); 0 if none matches.
     */
    public double metric(String selector) throws InterruptedException {
        return metric(get("/q/metrics").body(), selector);
    }

    /** As {@link #metric(String)}, over a scrape already read ({@code /q/metrics}' body). */
    public static double metric(String metrics, String selector) {
        Matcher q = SERIES.matcher(selector);
        if (!q.matches()) {
            throw new IllegalArgumentException("not a series selector: " + selector);
        }
        Set<String> wanted = labels(q.group(2));
        double sum = 0;
        for (String line : metrics.split("\n")) {
            int space = line.lastIndexOf(' ');
            Matcher m = space < 0 || line.startsWith("#") ? null : SERIES.matcher(line.substring(0, space));
            if (m != null && m.matches() && m.group(1).equals(q.group(1)) && labels(m.group(2)).containsAll(wanted)) {
                sum += Double.parseDouble(line.substring(space + 1).trim());
            }
        }
        return sum;
    }

    private static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static Set<String> labels(String body) {
        Set<String> out = new HashSet<>();
        if (body != null) {
            Matcher m = LABEL.matcher(body);
            while (m.find()) {
                out.add(m.group(1) + "=" + m.group(2));
            }
        }
        return out;
    }

    /** SIGKILL: the process gets no chance to commit, flush or close anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    public String tail() {
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
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * SIGTERM, as Kubernetes stops a pod, and the exit status once the process has ended (it is SIGKILLed after 60 s,
     * and then the status says so).
     */
    public int stop() throws InterruptedException {
        close();
        return process.exitValue();
    }

    /** A response for a service that does not answer (yet). */
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
