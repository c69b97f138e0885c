package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pruner's two timings.
 *
 * <pre>
 * bench/run.sh pruner pipeline        first image to promoted version: broker + collector + aggregator + pruner,
 *                                     default thresholds, Fashion-MNIST test images streamed flat out
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
            pipeline(ResultsSweep.intArg(args, "--images", 10000));
        }
    }

    private static void pipeline(int images) throws Exception {
        Path root = Fixtures.root();
        Path work = Files.createTempDirectory("vbp-pipeline-bench");
        System.out.printf(Locale.ROOT, "pipeline benchmark: default thresholds; %s; %s%n", Fixtures.cpuModel(), Fixtures.machine());
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
                IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), images);
                int[] labels = IdxImages.readLabels(Fixtures.testLabels(), images);
                long t0 = System.nanoTime();
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < images; i++) {
                        RecordHeaders h = new RecordHeaders();
                        VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                        VbpHeaders.put(h, VbpHeaders.LABEL, Integer.toString(labels[i]));
                        p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "img-" + i, TrafficReplayer.png(set, i), h));
                    }
                }
                ServiceProcess collector = services.get(0);
                while (true) {
                    ModelVersion promoted = null;
                    for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
                        ModelVersion v = ModelVersion.read(r.value());
                        if (v.generation() == 1 && v.status() == ModelVersion.Status.PROMOTED) {
                            promoted = v;
                        }
                    }
                    if (promoted != null) {
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        double seen = collector.metric("vbp_collector_images_total{model=\"fmnist-vit\",version=\"base\"}");
                        System.out.printf(Locale.ROOT, "first image to promoted %s: %.1f s (the collector had run %.0f images "
                                        + "under base; MACs -%.1f%%, agreement %.4f on %d images)%n", promoted.version(), seconds, seen,
                                100 * promoted.pruning().macsReduction(), promoted.validation().agreement(), promoted.validation().images());
                        break;
                    }
                    if (System.nanoTime() - t0 > 600_000_000_000L) {
                        throw new IllegalStateException("no promotion in 10 minutes; see " + work);
                    }
                    Thread.sleep(500);
                }
            } finally {
                for (ServiceProcess p : services) {
                    p.close();
                }
            }
        }
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
        ModelVersion.Validation v = new ValidationGate(0.9, 0.95, 8).validate(loaded.model(), r.model(),
                new RecentImages.Sample(x, images, labels, List.of()), card);
        double validate = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "read + hash + cost + plan + slice + fold: %.2f s (MACs -%.1f%%); validation gate on %d images "
                + "(both models, batch 8, plus the latency comparison): %.1f s, agreement %.4f, latency ratio %.3f%n",
                prune, 100 * r.report().macsReduction(), images, validate, v.agreement(), v.latencyRatio());
    }
}
