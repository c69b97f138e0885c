package io.vbpstream.bench;

import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.VbpHeaders;
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
import java.util.Map;

/** What one round of {@code bench/run.sh pruner pipeline} measured ({@link PrunerBench}). */
record PrunerRound(double toPromoted, double statistics, double prune, double gate, double rate,
                   double inferMsPerImage, double mergeLagMs, ModelVersion promoted) {

    /**
     * One round: a fresh broker and the three packaged services with default settings, the images streamed flat out,
     * until the first promoted version and the collector through the stream.
     */
    static PrunerRound measure(byte[][] pngs, int[] labels) throws Exception {
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
                double rate = PipelineMeasures.percentileRate(PipelineMeasures.predictionTimes(broker));
                double pruneSeconds = pruner.metric("vbp_pruner_prune_seconds_sum");
                double gateSeconds = pruner.metric("vbp_pruner_validate_seconds_sum");
                ModelVersion candidate = firstCandidate(broker, promoted.version());
                double toCandidate = (Instant.parse(candidate.createdAt()).toEpochMilli() - t0) / 1e3;
                double toPromoted = (Instant.parse(promoted.updatedAt()).toEpochMilli() - t0) / 1e3;
                double statistics = toCandidate - pruneSeconds;
                double inferMs = 1000 * collector.metric("vbp_collector_inference_seconds_sum") / collector.metric("vbp_collector_images_total");
                double lagMs = 1000 * aggregator.metric("vbp_aggregator_merge_lag_seconds_sum")
                        / aggregator.metric("vbp_aggregator_merge_lag_seconds_count");
                return new PrunerRound(toPromoted, statistics, pruneSeconds, gateSeconds, rate, inferMs, lagMs, promoted);
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
}
