package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.pruner.prune.RecentImages;
import io.vbpstream.pruner.prune.ValidationGate;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's and the pruner's timings.
 *
 * <pre>
 * bench/run.sh pruner pipeline [--images N] [--rounds R]
 *                                     first image to promoted version and its stages, pipeline throughput against
 *                                     plain ORT: broker + collector + aggregator + pruner, default thresholds,
 *                                     Fashion-MNIST test images streamed flat out
 * bench/run.sh pruner deit MODEL      pruning (35% MACs) and the validation gate (64 images) on a DeiT shape,
 *                                     with the statistics bench/run.sh deit-models wrote beside it
 * </pre>
 */
public final class PrunerBench {

    private PrunerBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("deit")) {
            deit(Path.of(args[1]), ResultsSweep.intArg(args, "--images", 64));
        } else {
            pipeline(ResultsSweep.intArg(args, "--images", 10000), ResultsSweep.intArg(args, "--rounds", 3));
        }
    }

    /** What one pipeline round measured. */
    private record Round(double toPromoted, double statistics, double prune, double gate, double rate,
                         double inferMsPerImage, double mergeLagMs, ModelVersion promoted) {
    }

    /**
     * Rounds of: a fresh broker and the three packaged services with default settings (co-moments on half the
     * windows, as {@code ./vbp-local} runs them), {@code images} test images
     * streamed flat out; then plain ONNX Runtime on the same images in this JVM (batch 32, the collector's default).
     */
    private static void pipeline(int images, int rounds) throws Exception {
        System.out.printf(Locale.ROOT, "pipeline benchmark: default thresholds, %d images, %d rounds; %s; %s%n", images, rounds,
                Fixtures.cpuModel(), Fixtures.machine());
        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), images);
        int[] labels = IdxImages.readLabels(Fixtures.testLabels(), images);
        byte[][] pngs = new byte[images][];
        for (int i = 0; i < images; i++) {
            pngs[i] = TrafficReplayer.png(set, i);
        }
        Preprocessor pre = Fixtures.preprocessor(Fixtures.fmnistModel());
        float[] decoded = CollectorBench.decodeAll(pngs, pre);
        long[] shape = {32, pre.channels(), pre.height(), pre.width()};
        List<Round> done = new ArrayList<>();
        double[] plain = new double[rounds];
        try (ModelSession session = new ModelSession(OnnxModels.read(Fixtures.fmnistModel()).model())) {
            CollectorBench.pass(session, null, decoded, pre, shape, images); // warm-up
            for (int r = 0; r < rounds; r++) {
                Round round = pipelineRound(pngs, labels);
                plain[r] = CollectorBench.pass(session, null, decoded, pre, shape, images);
                done.add(round);
                System.out.printf(Locale.ROOT, "round %d: promoted %s %.1f s after the first image (statistics %.1f s, prune %.2f s,"
                                + " gate %.1f s); pipeline %.0f img/s, plain ORT %.0f img/s, ratio %.3f;"
                                + " inference %.3f ms/image; merge lag %.0f ms%n", r + 1, round.promoted.version(), round.toPromoted,
                        round.statistics, round.prune, round.gate, round.rate, plain[r], round.rate / plain[r],
                        round.inferMsPerImage, round.mergeLagMs);
            }
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = done.get(r).rate / plain[r];
        }
        double rate = median(done, Round::rate);
        double infer = median(done, Round::inferMsPerImage);
        System.out.printf(Locale.ROOT, "%nmedians over %d rounds:%n", rounds);
        System.out.printf(Locale.ROOT, "  first image -> promoted         %6.1f s%n", median(done, Round::toPromoted));
        System.out.printf(Locale.ROOT, "    statistics and convergence   %6.1f s%n", median(done, Round::statistics));
        System.out.printf(Locale.ROOT, "    prune (plan, slice, fold, store) %6.2f s%n", median(done, Round::prune));
        System.out.printf(Locale.ROOT, "    validation gate              %6.1f s%n", median(done, Round::gate));
        System.out.printf(Locale.ROOT, "  pipeline throughput            %6.0f images/s (collector predictions, 10th-90th percentile)%n", rate);
        System.out.printf(Locale.ROOT, "  plain ONNX Runtime, same images %6.0f images/s; pipeline / plain %.3f%n", LatencyBench.median(plain),
                LatencyBench.median(ratio));
        System.out.printf(Locale.ROOT, "  per image in the collector: inference %.3f ms, everything else (decode, Kafka, JSON, moments"
                + " merge; shared cores) %.3f ms%n", infer, 1000 / rate - infer);
        System.out.printf(Locale.ROOT, "  aggregator: delta creation -> merged %.0f ms (mean)%n", median(done, Round::mergeLagMs));
    }

    private static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        return LatencyBench.median(rounds.stream().mapToDouble(f).toArray());
    }

    private static Round pipelineRound(byte[][] pngs, int[] labels) throws Exception {
        Path root = Fixtures.root();
        Path work = Files.createTempDirectory("vbp-pipeline-bench");
        int images = pngs.length;
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            DirectoryModelStore store = new DirectoryModelStore(work.resolve("store"));
            ArtifactRef base = store.put(Fixtures.fmnistModel());
            Map<String, String> s = new LinkedHashMap<>();
            s.put("kafka.bootstrap.servers", broker.bootstrapServers());
            s.put("vbp.collector.model.uri", base.uri().toString());
            s.put("vbp.collector.model.card", root.resolve("models/fmnist-vit/model.json").toString());
            s.put("vbp.collector.store.directory", store.root().toString());
            s.put("vbp.aggregator.state-dir", work.resolve("aggregator").toString());
            s.put("vbp.pruner.model.base-uri", base.uri().toString());
            s.put("vbp.pruner.model.card", root.resolve("models/fmnist-vit/model.json").toString());
            s.put("vbp.pruner.store.directory", store.root().toString());
            List<ServiceProcess> services = new ArrayList<>();
            try {
                services.add(ServiceProcess.start(root.resolve("activation-collector/target/quarkus-app/quarkus-run.jar"), s, work.resolve("collector.log")));
                services.add(ServiceProcess.start(root.resolve("stats-aggregator/target/quarkus-app/quarkus-run.jar"), s, work.resolve("aggregator.log")));
                services.add(ServiceProcess.start(root.resolve("pruner-service/target/quarkus-app/quarkus-run.jar"), s, work.resolve("pruner.log")));
                ServiceProcess collector = services.get(0);
                ServiceProcess aggregator = services.get(1);
                ServiceProcess pruner = services.get(2);
                long t0 = System.currentTimeMillis();
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < images; i++) {
                        RecordHeaders h = new RecordHeaders();
                        VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                        VbpHeaders.put(h, VbpHeaders.LABEL, Integer.toString(labels[i]));
                        p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "img-" + i, pngs[i], h));
                    }
                }
                ModelVersion promoted = awaitPromoted(broker, work, t0);
                long deadline = System.nanoTime() + 600_000_000_000L;
                while (collector.metric("vbp_collector_images_total") < images) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the collector did not get through the stream; see " + work);
                    }
                    Thread.sleep(1000);
                }
                List<Long> times = new ArrayList<>();
                for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
                    times.add(r.timestamp());
                }
                java.util.Collections.sort(times);
                int lo = times.size() / 10;
                int hi = times.size() * 9 / 10;
                double rate = (hi - lo) / ((times.get(hi) - times.get(lo)) / 1e3);
                double pruneSeconds = pruner.metric("vbp_pruner_prune_seconds_sum");
                double gateSeconds = pruner.metric("vbp_pruner_validate_seconds_sum");
                ModelVersion candidate = firstCandidate(broker, promoted.version());
                double toCandidate = (Instant.parse(candidate.createdAt()).toEpochMilli() - t0) / 1e3;
                double toPromoted = (Instant.parse(promoted.updatedAt()).toEpochMilli() - t0) / 1e3;
                double statistics = toCandidate - pruneSeconds;
                double inferMs = 1000 * collector.metric("vbp_collector_inference_seconds_sum") / collector.metric("vbp_collector_images_total");
                double lagMs = 1000 * aggregator.metric("vbp_aggregator_merge_lag_seconds_sum")
                        / aggregator.metric("vbp_aggregator_merge_lag_seconds_count");
                return new Round(toPromoted, statistics, pruneSeconds, gateSeconds, rate, inferMs, lagMs, promoted);
            } finally {
                for (ServiceProcess p : services) {
                    p.close();
                }
            }
        }
    }

    private static ModelVersion awaitPromoted(LocalKafkaBroker broker, Path work, long t0) throws InterruptedException {
        while (true) {
            for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
                ModelVersion v = ModelVersion.read(r.value());
                if (v.generation() == 1 && v.status() == ModelVersion.Status.PROMOTED) {
                    return v;
                }
            }
            if (System.currentTimeMillis() - t0 > 600_000) {
                throw new IllegalStateException("no promotion in 10 minutes; see " + work);
            }
            Thread.sleep(500);
        }
    }

    private static ModelVersion firstCandidate(LocalKafkaBroker broker, String version) {
        for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
            ModelVersion v = ModelVersion.read(r.value());
            if (v.version().equals(version) && v.status() == ModelVersion.Status.CANDIDATE) {
                return v;
            }
        }
        throw new IllegalStateException("no CANDIDATE record of " + version);
    }

    private static void deit(Path model, int images) throws Exception {
        System.out.printf(Locale.ROOT, "pruner on %s: %s; %s%n", model, Fixtures.cpuModel(), Fixtures.machine());
        long t0 = System.nanoTime();
        OnnxModels.LoadedModel loaded = OnnxModels.read(model);
        ModelStatistics stats = ModelStatistics.read(model.resolveSibling("stats.bin"));
        PruningPolicy policy = new PruningPolicy(Criterion.VARIANCE, Allocation.UNIFORM, new PruningTarget.MacsReduction(0.35),
                Compensation.MEAN, 0.02, 0, 1);
        Pruning.Result r = Pruning.run(loaded.model(), loaded.sha256(), stats, policy, null);
        double prune = (System.nanoTime() - t0) / 1e9;

        ModelCard card = ModelCard.read(model.resolveSibling("model.json"));
        Preprocessor pre = new Preprocessor(card.input());
        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), images);
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        float[] x = new float[images * pre.size()];
        int[] labels = new int[images];
        for (int i = 0; i < images; i++) {
            pre.image(decoder.decode(TrafficReplayer.png(set, i), "image/png"), x, i * pre.size());
            labels[i] = -1;
        }
        long t1 = System.nanoTime();
        List<io.vbpstream.platform.message.Prediction.Source> sources = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            sources.add(new io.vbpstream.platform.message.Prediction.Source("images", 0, i));
        }
        // both models run (no parent predictions here), every image (min-images = the sample)
        ModelVersion.Validation v = new ValidationGate(new ValidationGate.Settings(0.9, 0.95, images, 0.95, 8))
                .validate(() -> new ModelSession(loaded.model()), () -> new ModelSession(r.model()),
                        new RecentImages.Sample(x, images, labels, null, sources), card);
        double validate = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "read + hash + cost + plan + slice + fold: %.2f s (MACs -%.1f%%); validation gate on %d images "
                + "(both models, batch 8, plus the latency comparison): %.1f s, agreement %.4f, latency ratio %.3f%n",
                prune, 100 * r.report().macsReduction(), images, validate, v.agreement(), v.latencyRatio());
    }
}
