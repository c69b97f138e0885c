package io.vbpstream.bench;

import io.vbpstream.core.cost.HeapBudget;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The whole pipeline on any model, as a user runs it: a real broker, the three packaged services with the heaps
 * {@link HeapBudget} gives the model and default settings otherwise, and Fashion-MNIST test images replayed at a rate
 * (or flat out). Per generation up to the first promoted version (or the final target): first image → CANDIDATE →
 * verdict, with the stages (statistics settled, waiting for the covariance, prune, gate); the collector's images/s
 * against plain ONNX Runtime on the same model in the same run; transactions committed and aborted; peak RSS and
 * heap per service, and when the RSS peaked (every second's RSS, heap in use and heap committed per service go to
 * {@code memory.tsv} in the logs folder the run prints); bytes each topic holds per image.
 *
 * <p>Traffic goes on until the run ends, as in production: at {@code --rate} images/s, or flat out with at most
 * {@code --backlog} images waiting for the collector (so a slow model is measured with a queue in front of it, not
 * with millions of images piled up), at most {@code --images} in all.
 *
 * <pre>bench/run.sh pipeline --model M [--card C] [--rate R | --backlog B] [--images N] [--until first|final]
 *                        [--tokens-per-image K] [--set key=value]... [--timeout SECONDS]</pre>
 * {@code --set} passes a setting to every service (a system property), e.g. {@code --set vbp.ort.arena=false}.
 */
public final class PipelineBench {

    private PipelineBench() {
    }

    /** One generation's times, in seconds from the first image. */
    private record Generation(ModelVersion verdict, double from, double statisticsSettled, double candidate,
                              double prune, double gate, double verdictAt) {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(ResultsSweep.stringArg(args, "--model", Fixtures.fmnistModel().toString())).toAbsolutePath();
        Path card = Path.of(ResultsSweep.stringArg(args, "--card", model.resolveSibling("model.json").toString())).toAbsolutePath();
        double rate = Double.parseDouble(ResultsSweep.stringArg(args, "--rate", "0"));
        int images = ResultsSweep.intArg(args, "--images", Integer.MAX_VALUE);
        int backlog = ResultsSweep.intArg(args, "--backlog", 1000);
        String tokens = ResultsSweep.stringArg(args, "--tokens-per-image", "");
        boolean untilFinal = ResultsSweep.stringArg(args, "--until", "first").equals("final");
        int timeout = ResultsSweep.intArg(args, "--timeout", 1800);
        Path root = Fixtures.root();

        ModelCard mc = ModelCard.read(card);
        Preprocessor pre = new Preprocessor(mc.input());
        List<Integer> widths = MlpBlockFinder.find(OnnxModels.read(model).model()).stream().map(MlpBlock::width).toList();
        HeapBudget heaps = HeapBudget.of(Files.size(model), widths, pre.size(), 512, true);
        String name = model.getFileName().toString().equals("model.onnx") ? model.getParent().getFileName().toString()
                : model.getFileName().toString().replace(".onnx", "");
        name = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        System.out.printf(Locale.ROOT, "pipeline benchmark: %s (%.0f MB, %d blocks of %s), %s, until %s, co-moment tokens"
                        + " per image %s; heaps %s; %s; %s%n", name, Files.size(model) / 1e6, widths.size(),
                widths.stream().distinct().toList(), rate > 0 ? "rate " + rate + "/s" : "flat out, backlog " + backlog,
                untilFinal ? "final" : "first", tokens.isEmpty() ? "default" : tokens, heaps, Fixtures.cpuModel(),
                Fixtures.machine());

        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), 10000);
        int[] labels = IdxImages.readLabels(Fixtures.testLabels(), set.count());
        Path work = Files.createTempDirectory("vbp-pipeline-bench");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            DirectoryModelStore store = new DirectoryModelStore(work.resolve("store"));
            ArtifactRef base = store.put(model);
            Map<String, String> s = new LinkedHashMap<>();
            s.put("kafka.bootstrap.servers", broker.bootstrapServers());
            s.put("vbp.collector.model.id", name);
            s.put("vbp.collector.model.uri", base.uri().toString());
            s.put("vbp.collector.model.card", card.toString());
            s.put("vbp.collector.store.directory", store.root().toString());
            if (!tokens.isEmpty()) {
                s.put("vbp.collector.covariance.tokens-per-image", tokens);
            }
            for (int i = 0; i < args.length - 1; i++) {
                if (args[i].equals("--set")) {
                    String[] kv = args[i + 1].split("=", 2);
                    s.put(kv[0], kv[1]);
                    System.out.println("setting " + kv[0] + "=" + kv[1]);
                }
            }
            s.put("vbp.aggregator.state-dir", work.resolve("aggregator").toString());
            s.put("vbp.pruner.model.id", name);
            s.put("vbp.pruner.model.base-uri", base.uri().toString());
            s.put("vbp.pruner.model.card", card.toString());
            s.put("vbp.pruner.store.directory", store.root().toString());
            Map<String, ServiceProcess> services = new LinkedHashMap<>();
            Map<String, double[]> peaks = new ConcurrentHashMap<>(); // name -> {peak heap used, peak RSS sampled, when, committed}
            AtomicBoolean sampling = new AtomicBoolean(true);
            try {
                services.put("collector", ServiceProcess.start(root.resolve("activation-collector/target/quarkus-app/quarkus-run.jar"),
                        s, Map.of(), work.resolve("collector.log"), HeapBudget.xmx(heaps.collectorBytes())));
                services.put("aggregator", ServiceProcess.start(root.resolve("stats-aggregator/target/quarkus-app/quarkus-run.jar"),
                        s, Map.of(), work.resolve("aggregator.log"), HeapBudget.xmx(heaps.aggregatorBytes())));
                services.put("pruner", ServiceProcess.start(root.resolve("pruner-service/target/quarkus-app/quarkus-run.jar"),
                        s, Map.of(), work.resolve("pruner.log"), HeapBudget.xmx(heaps.prunerBytes())));
                Map<String, Double> settled = new ConcurrentHashMap<>(); // version -> seconds when its statistics settled
                long t0 = System.currentTimeMillis();
                Thread sampler = new Thread(() -> sample(services, peaks, settled, sampling, t0, work.resolve("memory.tsv")), "sampler");
                sampler.setDaemon(true);
                sampler.start();
                ServiceProcess collectorProcess = services.get("collector");
                Thread replay = new Thread(() -> replay(broker, collectorProcess, set, labels, images, rate, backlog, sampling),
                        "replay");
                replay.setDaemon(true);
                replay.start();

                double finalTarget = Double.parseDouble(s.getOrDefault("vbp.pruner.policy.final-target", "0.35"));
                List<Generation> done = follow(broker, services.get("pruner"), work, t0, settled, untilFinal, finalTarget, timeout);
                sampling.set(false);
                sampler.join(5000); // its last lines written before the services stop
                ServiceProcess collector = services.get("collector");
                double committed = collector.metric("vbp_collector_transactions_total{outcome=\"committed\"}");
                double aborted = collector.metric("vbp_collector_transactions_total{outcome=\"aborted\"}");
                double processed = collector.metric("vbp_collector_images_total");
                double rateMeasured = collectorRate(broker);
                Map<String, double[]> memory = new LinkedHashMap<>();
                for (Map.Entry<String, ServiceProcess> e : services.entrySet()) {
                    double[] p = peaks.getOrDefault(e.getKey(), new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN});
                    memory.put(e.getKey(), new double[] {ProcessMemory.peakRssMiB(e.getValue().pid()), p[0], p[2], p[3]});
                }
                Map<String, Long> bytes = topicBytes(broker.dataDir());
                for (ServiceProcess p : services.values()) {
                    p.close();
                }
                services.clear();
                // alone on the machine, as the collector would run without the rest of the pipeline beside it
                double plain = plainRate(model, set, pre, 32, Math.min(set.count(), Math.max(64, (int) Math.min(512, rateMeasured * 20))));
                report(done, rateMeasured, plain, committed, aborted, processed, memory, bytes);
                System.out.println("logs: " + work);
            } finally {
                sampling.set(false);
                for (ServiceProcess p : services.values()) {
                    p.close();
                }
            }
        }
    }

    private static void replay(LocalKafkaBroker broker, ServiceProcess collector, IdxImages.Images set, int[] labels,
                               int images, double rate, int backlog, AtomicBoolean running) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long nextLook = start;
            for (int i = 0; i < images && running.get(); i++) {
                if (rate > 0) {
                    long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                } else if (System.nanoTime() >= nextLook) {
                    // at most two looks a second at the collector's count: a metrics scrape costs it CPU
                    p.flush();
                    while (running.get() && i - collector.metric("vbp_collector_images_total") > backlog) {
                        Thread.sleep(500);
                    }
                    nextLook = System.nanoTime() + 500_000_000L;
                }
                int k = i % set.count();
                RecordHeaders h = new RecordHeaders();
                VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                VbpHeaders.put(h, VbpHeaders.LABEL, Integer.toString(labels[k]));
                p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "img-" + i, TrafficReplayer.png(set, k), h));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final Pattern BLOCK = Pattern.compile(
            "vbp_pruner_block_(samples_ratio|jaccard)\\{[^}]*version=\"([^\"]+)\"[^}]*} (\\S+)");

    /** Every second: each service's heap in use (peak kept), and when each version's neuron statistics settled. */
    private static void sample(Map<String, ServiceProcess> services, Map<String, double[]> peaks, Map<String, Double> settled,
                               AtomicBoolean running, long t0, Path traceFile) {
        java.io.PrintWriter trace;
        try {
            trace = new java.io.PrintWriter(Files.newBufferedWriter(traceFile));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        trace.println("seconds\tservice\trss_mib\theap_used_mib\theap_committed_mib");
        while (running.get()) {
            try {
                double t = (System.currentTimeMillis() - t0) / 1e3;
                Map<String, String> scrapes = new LinkedHashMap<>();
                for (Map.Entry<String, ServiceProcess> e : services.entrySet()) {
                    String metrics = e.getValue().get("/q/metrics").body();
                    scrapes.put(e.getKey(), metrics);
                    double heap = ServiceProcess.metric(metrics, "jvm_memory_used_bytes{area=\"heap\"}") / (1 << 20);
                    double committed = ServiceProcess.metric(metrics, "jvm_memory_committed_bytes{area=\"heap\"}") / (1 << 20);
                    double rss = ProcessMemory.rssMiB(e.getValue().pid());
                    // {peak heap used, peak RSS, when the RSS peaked, the heap committed then}
                    peaks.merge(e.getKey(), new double[] {heap, rss, t, committed}, (a, b) -> new double[] {Math.max(a[0], b[0]),
                            Math.max(a[1], b[1]), b[1] > a[1] ? b[2] : a[2], b[1] > a[1] ? b[3] : a[3]});
                    trace.printf(Locale.ROOT, "%.0f\t%s\t%.0f\t%.0f\t%.0f%n", t, e.getKey(), rss, heap, committed);
                }
                trace.flush();
                // statistics settled: every block at n-min with the kept sets stable (the pruner's defaults: 1, 0.95)
                Map<String, boolean[]> byVersion = new TreeMap<>();
                Matcher m = BLOCK.matcher(scrapes.get("pruner"));
                while (m.find()) {
                    double v = Double.parseDouble(m.group(3));
                    boolean ok = m.group(1).equals("samples_ratio") ? v >= 1 : v >= 0.95;
                    byVersion.merge(m.group(2), new boolean[] {ok}, (a, b) -> new boolean[] {a[0] && b[0]});
                }
                double now = (System.currentTimeMillis() - t0) / 1e3;
                byVersion.forEach((version, ok) -> {
                    if (ok[0]) {
                        settled.putIfAbsent(version, now);
                    }
                });
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // a service between answers: the next second
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                break;
            }
        }
        trace.close();
    }

    private static final Pattern TIMES = Pattern.compile("(\\S+): (PROMOTED|REJECTED) \\(.*\\); prune ([0-9.]+) s, validate ([0-9.]+) s");

    /** Waits for the generations' verdicts: the first promoted one, or every one up to the final target. */
    private static List<Generation> follow(LocalKafkaBroker broker, ServiceProcess pruner, Path work, long t0,
                                           Map<String, Double> settled, boolean untilFinal, double finalTarget,
                                           int timeout) throws Exception {
        List<Generation> out = new ArrayList<>();
        long deadline = t0 + timeout * 1000L;
        while (System.currentTimeMillis() < deadline) {
            Map<String, ModelVersion> candidates = new LinkedHashMap<>();
            Map<String, ModelVersion> verdicts = new LinkedHashMap<>();
            for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
                ModelVersion v = ModelVersion.read(r.value());
                if (v.status() == ModelVersion.Status.CANDIDATE) {
                    candidates.put(v.version(), v);
                } else if (v.generation() > 0 && v.validation() != null) {
                    verdicts.put(v.version(), v);
                }
            }
            if (verdicts.size() > out.size()) {
                out.clear();
                Map<String, double[]> times = new LinkedHashMap<>();
                Matcher m = TIMES.matcher(Files.readString(work.resolve("pruner.log")));
                while (m.find()) {
                    times.put(m.group(1), new double[] {Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))});
                }
                double from = 0;
                for (ModelVersion v : verdicts.values()) {
                    double[] pg = times.getOrDefault(v.key(), new double[] {Double.NaN, Double.NaN});
                    double candidate = seconds(candidates.containsKey(v.version()) ? candidates.get(v.version()).createdAt()
                            : v.createdAt(), t0);
                    out.add(new Generation(v, from, settled.getOrDefault(v.parentVersion(), Double.NaN), candidate,
                            pg[0], pg[1], seconds(v.updatedAt(), t0)));
                    if (v.status() == ModelVersion.Status.PROMOTED) {
                        from = seconds(v.updatedAt(), t0);
                    }
                }
                ModelVersion last = out.get(out.size() - 1).verdict();
                boolean promoted = last.status() == ModelVersion.Status.PROMOTED;
                // the final target is against the base; a version's own macsReduction is against its parent
                if (promoted && (!untilFinal || fromBase(last) >= finalTarget - 1e-3)) {
                    return out;
                }
            }
            Thread.sleep(1000);
        }
        System.out.printf("timed out after %d s with %d verdicts%n", timeout, out.size());
        return out;
    }

    private static double seconds(String instant, long t0) {
        return (Instant.parse(instant).toEpochMilli() - t0) / 1e3;
    }

    /** The collector's rate from its predictions' timestamps, between the 10th and 90th percentile. */
    private static double collectorRate(LocalKafkaBroker broker) {
        List<Long> times = new ArrayList<>();
        for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
            times.add(r.timestamp());
        }
        if (times.size() < 20) {
            return Double.NaN;
        }
        Collections.sort(times);
        int lo = times.size() / 10;
        int hi = times.size() * 9 / 10;
        return (hi - lo) / ((times.get(hi) - times.get(lo)) / 1e3);
    }

    /** Plain ONNX Runtime on the same model, in this JVM, batch {@code batch}, after one warm-up pass: images/s. */
    private static double plainRate(Path model, IdxImages.Images set, Preprocessor pre, int batch, int n) throws IOException {
        byte[][] pngs = new byte[n][];
        for (int i = 0; i < n; i++) {
            pngs[i] = TrafficReplayer.png(set, i);
        }
        float[] decoded = CollectorBench.decodeAll(pngs, pre);
        long[] shape = {batch, pre.channels(), pre.height(), pre.width()};
        try (ModelSession session = new ModelSession(model)) {
            CollectorBench.pass(session, null, decoded, pre, shape, Math.min(n, 2 * batch));
            double[] rounds = new double[3];
            for (int r = 0; r < rounds.length; r++) {
                rounds[r] = CollectorBench.pass(session, null, decoded, pre, shape, n);
            }
            return LatencyBench.median(rounds);
        }
    }

    private static void report(List<Generation> done, double rate, double plain, double committed, double aborted,
                               double processed, Map<String, double[]> memory, Map<String, Long> bytes) {
        System.out.printf(Locale.ROOT, "%n%-20s %8s %7s %9s %8s %8s %7s %7s %9s  %s%n", "version", "from", "stats", "covariance",
                "prune", "gate", "cand.", "verdict", "base MACs", "status");
        for (Generation g : done) {
            double stats = g.statisticsSettled() - g.from();
            double cov = Math.max(0, g.candidate() - g.prune() - g.statisticsSettled()); // the sampler looks once a second
            System.out.printf(Locale.ROOT, "%-20s %7.0fs %6.0fs %8.0fs %7.1fs %7.1fs %6.0fs %6.0fs %8.1f%%  %s%s%n",
                    g.verdict().version(), g.from(), stats, cov, g.prune(), g.gate(), g.candidate(), g.verdictAt(),
                    -100 * fromBase(g.verdict()), g.verdict().status(),
                    g.verdict().validation().reason() == null ? "" : " (" + g.verdict().validation().reason() + ")");
        }
        System.out.println("  (seconds from the first image; stats: the parent promoted -> its neuron statistics settled;"
                + " covariance: then -> the prune began)");
        System.out.printf(Locale.ROOT, "collector %.2f images/s (predictions, 10th-90th percentile); plain ONNX Runtime %.2f"
                + " images/s on the same model, alone; ratio %.3f%n", rate, plain, rate / plain);
        System.out.printf(Locale.ROOT, "transactions committed %.0f, aborted %.0f; images processed %.0f%n", committed, aborted,
                processed);
        memory.forEach((name, m) -> System.out.printf(Locale.ROOT, "%-10s peak RSS %6.0f MiB, peak heap used %6.0f MiB;"
                + " sampled RSS highest at %.0f s, heap committed then %.0f MiB%n", name, m[0], m[1], m[2], m[3]));
        System.out.println("bytes on the broker's disk per image processed, by topic:");
        bytes.forEach((topic, b) -> {
            if (b > 0 && !topic.startsWith("__")) {
                System.out.printf(Locale.ROOT, "  %-60s %12.1f kB/image (%,.0f MB)%n", topic, b / 1e3 / Math.max(1, processed), b / 1e6);
            }
        });
        System.out.printf(Locale.ROOT, "  %-60s %12.1f MB%n", "all topics", bytes.values().stream().mapToLong(Long::longValue).sum() / 1e6);
    }

    /** The version's MACs reduction against the base model (its record's own is against its parent). */
    private static double fromBase(ModelVersion v) {
        return 1.0 - (double) v.pruning().macs() / v.pruning().baseMacs();
    }

    /** Bytes of the log segments of each topic in the broker's data folder. */
    private static Map<String, Long> topicBytes(Path data) throws IOException {
        Map<String, Long> bytes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(data)) {
            files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".log")).forEach(p -> {
                String topic = p.getParent().getFileName().toString().replaceAll("-[0-9]+$", "");
                try {
                    bytes.merge(topic, Files.size(p), Long::sum);
                } catch (IOException e) {
                    // a segment rolled away meanwhile
                }
            });
        }
        return bytes;
    }
}
