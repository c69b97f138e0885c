package io.vbpstream.platform;

import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft broker for integration tests, started from the Maven Central Kafka jars in its own JVM
 * (the classpath that deploy/local-broker writes), on free loopback ports with its state in a temporary folder. Other
 * modules use it through this module's test-jar.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static LocalKafkaBroker shared;

    /** The SASL mechanism of {@link #startWithScram}. */
    public static final String SCRAM = "SCRAM-SHA-512";

    private final Path state;
    private final int port;
    private final int controllerPort;
    /** user name to password on a SASL/SCRAM client listener; empty for a plaintext one */
    private final Map<String, String> scramUsers;
    private Process process;

    private LocalKafkaBroker(Path state, int port, int controllerPort, Map<String, String> scramUsers) {
        this.state = state;
        this.port = port;
        this.controllerPort = controllerPort;
        this.scramUsers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(scramUsers));
    }

    /** One broker per test JVM, started on first use and stopped when the JVM exits. */
    public static synchronized LocalKafkaBroker shared() throws Exception {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** A new broker; it is stopped and its state folder deleted when the JVM exits, if not before. */
    public static LocalKafkaBroker start() throws Exception {
        return start(Map.of());
    }

    /**
     * A broker whose client listener is SASL_PLAINTEXT with {@value #SCRAM}, knowing {@code users} (name to password,
     * in order: the first is also the broker's own, inter-broker identity). The credentials are written when the
     * storage is formatted, as KRaft requires.
     */
    public static LocalKafkaBroker startWithScram(Map<String, String> users) throws Exception {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("at least one SCRAM user");
        }
        return start(users);
    }

    private static LocalKafkaBroker start(Map<String, String> scramUsers) throws Exception {
        LocalKafkaBroker b = new LocalKafkaBroker(Files.createTempDirectory("vbp-kafka"), freePort(), freePort(), scramUsers);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            b.close();
            b.deleteState();
        }));
        b.launch();
        return b;
    }

    private void deleteState() {
        try (var paths = Files.walk(state)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary folder
        }
    }

    /** The broker JVM's process id (for a benchmark's CPU and memory accounting). */
    public long pid() {
        return process.pid();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker's {@code log.dirs}: one folder per topic partition, for measuring what each topic holds. */
    public Path dataDir() {
        return state.resolve("data");
    }

    public Path logFile() {
        return state.resolve("logs/server.log");
    }

    /** An admin client; on a SCRAM broker it authenticates as the first user. */
    public Admin admin() {
        Map<String, Object> c = new HashMap<>(Map.of("bootstrap.servers", bootstrapServers(), "request.timeout.ms", "10000"));
        if (!scramUsers.isEmpty()) {
            Map.Entry<String, String> first = scramUsers.entrySet().iterator().next();
            c.putAll(scramClientSettings(first.getKey(), first.getValue()));
        }
        return Admin.create(c);
    }

    /** The client settings (without bootstrap servers) that authenticate as {@code user} on a SCRAM broker. */
    public static Map<String, String> scramClientSettings(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", SCRAM, "sasl.jaas.config", jaas(user, password));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private void launch() throws Exception {
        Path root = repoRoot();
        Path cpFile = root.resolve("deploy/local-broker/target/classpath.txt");
        if (!Files.isRegularFile(cpFile)) {
            throw new IllegalStateException(cpFile + " is missing: build deploy/local-broker first (./mvnw verify does)");
        }
        String cp = Files.readString(cpFile).trim();
        int controller = controllerPort;
        Files.createDirectories(state.resolve("logs"));
        Path props = state.resolve("server.properties");
        String client = scramUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
        List<String> settings = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=" + client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=" + client + "://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=" + client,
                "listener.security.protocol.map=" + client + ":" + client + ",CONTROLLER:PLAINTEXT",
                "log.dirs=" + state.resolve("data"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false"));
        if (!scramUsers.isEmpty()) {
            Map.Entry<String, String> self = scramUsers.entrySet().iterator().next();
            settings.add("sasl.enabled.mechanisms=" + SCRAM);
            settings.add("sasl.mechanism.inter.broker.protocol=" + SCRAM);
            settings.add("listener.name.sasl_plaintext." + SCRAM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config="
                    + jaas(self.getKey(), self.getValue()));
        }
        settings.add("");
        Files.writeString(props, String.join("\n", settings));
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dlog4j2.configurationFile=" + root.resolve("deploy/local/log4j2.properties"),
                "-Dvbp.broker.logdir=" + state.resolve("logs"), "-cp", cp));
        if (!Files.exists(state.resolve("data/meta.properties"))) {
            // first start only: a restart keeps the formatted storage and its cluster id
            String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
            List<String> format = new ArrayList<>(java);
            format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", props.toString()));
            scramUsers.forEach((user, password) -> format.addAll(List.of("--add-scram",
                    SCRAM + "=[name=" + user + ",password=" + password + "]")));
            Process f = new ProcessBuilder(format).redirectErrorStream(true)
                    .redirectOutput(state.resolve("logs/format.log").toFile()).start();
            if (!f.waitFor(60, TimeUnit.SECONDS) || f.exitValue() != 0) {
                throw new IllegalStateException("broker storage format failed; see " + state.resolve("logs/format.log"));
            }
        }
        List<String> run = new ArrayList<>(java);
        run.addAll(List.of("kafka.Kafka", props.toString()));
        process = new ProcessBuilder(run).redirectErrorStream(true)
                .redirectOutput(state.resolve("logs/stdout.log").toFile()).start();
        awaitReady();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker exited with " + process.exitValue() + "; see " + logFile());
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(300);
            }
        }
        close();
        throw new IllegalStateException("broker not ready after 90 s; see " + logFile(), last);
    }

    /** Kills the broker at once (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts the broker again on the same port and state after {@link #close()} or {@link #kill()}. */
    public void restart() throws Exception {
        launch();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public static Path repoRoot() {
        String prop = System.getProperty("vbp.repo.root");
        Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("deploy/local-broker"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root");
        }
        return p;
    }
}
