package io.vbpstream.testbed;

import io.vbpstream.core.data.IdxImages;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole pipeline on a real broker, for the pruner's and the end-to-end integration tests: the packaged collector,
 * aggregator and pruner as child processes sharing one model store (started with {@link ServiceSettings}'s test
 * settings), and Fashion-MNIST test images as PNG traffic.
 */
public final class PipelineTestBed implements AutoCloseable {

    public static final Path ROOT = LocalKafkaBroker.repoRoot();
    public static final Path MODEL = ROOT.resolve("models/fmnist-vit/model.onnx");
    public static final Path CARD = ROOT.resolve("models/fmnist-vit/model.json");
    public static final String TOKEN = "it-admin-token";

    public final LocalKafkaBroker broker;
    public final Path dir;
    public final DirectoryModelStore store;
    public final ArtifactRef base;
    private final IdxImages.Images images;
    private final int[] labels;
    private final KafkaProducer<String, byte[]> producer;

    public PipelineTestBed() throws Exception {
        broker = LocalKafkaBroker.start();
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        dir = Files.createTempDirectory("vbp-pipeline-it");
        store = new DirectoryModelStore(dir.resolve("store"));
        base = store.put(MODEL);
        images = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), 5000);
        labels = IdxImages.readLabels(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), 5000);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer());
    }

    public ServiceProcess collector() throws Exception {
        return settings().collector("pipeline-it", base.uri().toString(), CARD)
                .start(ServiceSettings.App.COLLECTOR, dir.resolve("collector.log"));
    }

    public ServiceProcess aggregator() throws Exception {
        return settings().aggregator(dir.resolve("aggregator-state"))
                .start(ServiceSettings.App.AGGREGATOR, dir.resolve("aggregator.log"));
    }

    /** A pruner taking one 10% MACs step once 200 images' worth of statistics are stable. */
    public ServiceProcess pruner(double minAgreement) throws Exception {
        return pruner(minAgreement, Map.of());
    }

    /** As {@link #pruner(double)}, with more settings (or the defaults overridden). */
    public ServiceProcess pruner(double minAgreement, Map<String, String> settings) throws Exception {
        return settings().set("vbp.pruner.admin-token", TOKEN).pruner(base.uri().toString(), CARD, minAgreement)
                .set(settings).start(ServiceSettings.App.PRUNER, dir.resolve("pruner.log"));
    }

    /** The broker and the store of this bed, for a service started with settings of its own. */
    public ServiceSettings settings() {
        return ServiceSettings.on(broker.bootstrapServers()).store(store.root());
    }

    public void sendImages(int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            RecordHeaders h = new RecordHeaders();
            VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
            VbpHeaders.put(h, VbpHeaders.LABEL, Integer.toString(labels[i]));
            producer.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, String.format("img-%05d", i),
                    TrafficReplayer.png(images, i), h));
        }
        producer.flush();
    }

    /**
     * Sends images {@code [from, from + count)} in chunks of {@code chunk}, {@code pauseMs} apart: traffic rather than a
     * burst, so the collector's co-moment publications (at 4096 samples, then at 8192) reach the pruner at separate
     * checks, as they do at a production rate, and its two covariance snapshots are the two publications. (A burst that
     * the collector gets through in a second can merge both into one emission; the pruner then takes its first
     * snapshot at 8192 and waits for another 8192 samples, a third publication.)
     */
    public void sendImagesPaced(int from, int count, int chunk, long pauseMs) throws Exception {
        for (int i = from; i < from + count; i += chunk) {
            sendImages(i, Math.min(chunk, from + count - i));
            Thread.sleep(pauseMs);
        }
    }

    /** Writes a version record to {@code model-versions}, as a pruner would. */
    public void publish(ModelVersion v) throws Exception {
        producer.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), v.key(),
                io.vbpstream.platform.message.Messages.write(v))).get();
    }

    /** The latest record of every version, in topic order. */
    public Map<String, ModelVersion> versions() {
        Map<String, ModelVersion> out = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
            ModelVersion v = ModelVersion.read(r.value());
            out.put(v.version(), v);
        }
        return out;
    }

    public Optional<ModelVersion> firstChild(ModelVersion.Status status) {
        return versions().values().stream().filter(v -> v.generation() == 1 && v.status() == status).findFirst();
    }

    public List<ConsumerRecord<String, byte[]>> read(Topic topic) {
        return TopicReader.readAll(broker.bootstrapServers(), topic.topicName());
    }

    public static void await(java.util.function.BooleanSupplier c, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(500);
        }
    }

    @Override
    public void close() {
        producer.close();
        broker.close();
    }
}
