package io.vbpstream.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.core.cost.HeapBudget;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.ServiceSettings;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline at DeiT's shapes, small enough for CI: a generated ViT of 224x224 inputs, 196 tokens and 4 blocks of
 * width 1536 (DeiT-Small's MLP), with a backlog of images already waiting when the collector starts. Collector,
 * aggregator and pruner run with their default windows, co-moment sampling and thresholds and the heaps {@link HeapBudget}
 * gives the model, and must reach a promoted least-squares version with no transaction aborted while every service's
 * liveness stays UP throughout (polled every second).
 */
class DeitShapedPipelineIT {

    private static final Path ROOT = LocalKafkaBroker.repoRoot();
    private static final int BACKLOG = 600;
    private static LocalKafkaBroker broker;
    private static final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private static final List<String> notLive = Collections.synchronizedList(new ArrayList<>());
    private static final AtomicBoolean watching = new AtomicBoolean(true);
    private static ModelVersion promoted;
    private static Path dir;

    @BeforeAll
    static void run() throws Exception {
        dir = Files.createTempDirectory("vbp-deit-it");
        Path model = dir.resolve("deit-shaped/model.onnx");
        Files.createDirectories(model.getParent());
        OnnxModels.write(VitModels.deitShaped(384, 4, 1536, 10, 20261201L), model);
        Path card = model.resolveSibling("model.json");
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", "input");
        input.put("layout", "NCHW");
        input.put("color", "rgb");
        input.put("width", 224);
        input.put("height", 224);
        input.put("normalisation", Map.of("scale", 1 / 255.0, "mean", List.of(0.485, 0.456, 0.406),
                "std", List.of(0.229, 0.224, 0.225)));
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            labels.add("class-" + i);
        }
        new ObjectMapper().writeValue(card.toFile(), Map.of("name", "deit-shaped", "input", input, "labels", labels));

        broker = LocalKafkaBroker.start();
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        IdxImages.Images set = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), 3000);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
        send(producer, set, 0, BACKLOG); // waiting before the collector starts

        ArtifactRef base = new DirectoryModelStore(dir.resolve("store")).put(model);
        HeapBudget heaps = HeapBudget.of(Files.size(model), Collections.nCopies(4, 1536), 3 * 224 * 224, 512, true);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("vbp.collector.model.id", "deit-shaped");
        s.put("vbp.collector.model.uri", base.uri().toString());
        s.put("vbp.collector.model.card", card.toString());
        s.put("vbp.collector.store.directory", dir.resolve("store").toString());
        s.put("vbp.aggregator.state-dir", dir.resolve("aggregator").toString());
        s.put("vbp.pruner.model.id", "deit-shaped");
        s.put("vbp.pruner.model.base-uri", base.uri().toString());
        s.put("vbp.pruner.model.card", card.toString());
        s.put("vbp.pruner.store.directory", dir.resolve("store").toString());
        services.put("collector", ServiceProcess.start(ServiceSettings.App.COLLECTOR.jar(), s, Map.of(),
                dir.resolve("collector.log"), HeapBudget.xmx(heaps.collectorBytes())));
        services.put("aggregator", ServiceProcess.start(ServiceSettings.App.AGGREGATOR.jar(), s, Map.of(),
                dir.resolve("aggregator.log"), HeapBudget.xmx(heaps.aggregatorBytes())));
        services.put("pruner", ServiceProcess.start(ServiceSettings.App.PRUNER.jar(), s, Map.of(),
                dir.resolve("pruner.log"), HeapBudget.xmx(heaps.prunerBytes())));
        Thread watch = new Thread(DeitShapedPipelineIT::watchLiveness, "liveness");
        watch.setDaemon(true);
        watch.start();

        // then traffic keeps coming, kept about a backlog ahead of the collector, until a version is promoted
        long deadline = System.nanoTime() + 900_000_000_000L;
        int sent = BACKLOG;
        while ((promoted = promoted().orElse(null)) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no promoted version in 15 minutes; logs in " + dir + "\n" + services.get("pruner").tail());
            }
            if (sent - services.get("collector").metric("vbp_collector_images_total") < BACKLOG) {
                send(producer, set, sent, 100);
                sent += 100;
            }
            Thread.sleep(1000);
        }
        watching.set(false);
        producer.close();
    }

    private static void send(KafkaProducer<String, byte[]> producer, IdxImages.Images set, int from, int count) {
        for (int i = from; i < from + count; i++) {
            RecordHeaders h = new RecordHeaders();
            VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
            // no labels: a random network's accuracy on Fashion-MNIST classes means nothing; the gate checks agreement
            producer.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "img-" + i, TrafficReplayer.png(set, i % set.count()), h));
        }
        producer.flush();
    }

    private static void watchLiveness() {
        while (watching.get()) {
            services.forEach((name, p) -> {
                try {
                    int status = p.get("/q/health/live").statusCode();
                    if (status != 200 && watching.get()) {
                        notLive.add(name + " answered " + status);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Optional<ModelVersion> promoted() {
        return TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName()).stream()
                .map(r -> ModelVersion.read(r.value()))
                .filter(v -> v.generation() == 1 && v.status() == ModelVersion.Status.PROMOTED).findFirst();
    }

    @AfterAll
    static void stop() throws Exception {
        watching.set(false);
        for (ServiceProcess p : services.values()) {
            p.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aLeastSquaresVersionIsPromotedWithNoTransactionAbortedAndEveryServiceLiveThroughout() throws Exception {
        assertTrue(promoted.pruning().policy().contains("compensation=least-squares"), promoted.pruning().policy());
        assertEquals(4, promoted.pruning().keptWidths().size());
        assertTrue(promoted.pruning().macsReduction() > 0.095, "one 10% step: " + promoted.pruning().macsReduction());
        assertTrue(promoted.validation().images() >= 200, "the gate's floor: " + promoted.validation().images());
        assertEquals(0.0, services.get("collector").metric("vbp_collector_transactions_total{outcome=\"aborted\"}"),
                "aborted transactions; logs in " + dir);
        assertTrue(services.get("collector").metric("vbp_collector_transactions_total{outcome=\"committed\"}") > 0);
        assertEquals(List.of(), notLive, "every liveness answer was 200");
    }
}
