package io.vbpstream.collector;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.ServiceSettings;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.Messages;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a collector integration test needs: its own real broker with the topics provisioned, a model store in a
 * temporary folder, the Fashion-MNIST test images as PNG records, and offline references computed in this JVM by
 * vbp-core (plain ONNX Runtime, no DJL, no Kafka) over exactly the bytes sent.
 */
final class CollectorTestBed implements AutoCloseable {

    static final Path ROOT = LocalKafkaBroker.repoRoot();
    static final Path MODEL = ROOT.resolve("models/fmnist-vit/model.onnx");
    static final Path CARD = ROOT.resolve("models/fmnist-vit/model.json");
    /** Tokens per image of the reference ViT: 7 x 7 patches of 4 x 4 pixels, plus the class token. */
    static final int TOKENS = 50;
    /** The sampled tokens of each image behind the co-moments: the default {@code vbp.collector.covariance.tokens-per-image}. */
    static final int SAMPLED_TOKENS = 16;

    final LocalKafkaBroker broker;
    final Path dir;
    final DirectoryModelStore store;
    private final IdxImages.Images images;
    private final int[] labels;
    private final KafkaProducer<String, byte[]> producer;

    private CollectorTestBed(LocalKafkaBroker broker, Path dir) throws IOException {
        this.broker = broker;
        this.dir = dir;
        this.store = new DirectoryModelStore(dir.resolve("store"));
        this.images = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), 4000);
        this.labels = IdxImages.readLabels(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), 4000);
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topic.IMAGES.maxMessageBytes() + (64 << 10)),
                new StringSerializer(), new ByteArraySerializer());
    }

    static CollectorTestBed create() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.start();
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        return new CollectorTestBed(broker, Files.createTempDirectory("vbp-collector-it"));
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    ArtifactRef put(Path model) {
        return store.put(model);
    }

    /** System properties for a collector serving {@code model} as {@code version}. */
    Map<String, String> settings(ArtifactRef model, String version, String instance) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", bootstrap());
        s.put("vbp.collector.instance-id", instance);
        s.put("vbp.collector.model.uri", model.uri().toString());
        s.put("vbp.collector.model.version", version);
        s.put("vbp.collector.model.card", CARD.toString());
        s.put("vbp.collector.store.directory", store.root().toString());
        s.put("vbp.collector.flush.images", "256");
        s.put("vbp.collector.flush.interval", "1s");
        return s;
    }

    ServiceProcess startCollector(Map<String, String> settings, String logName) throws Exception {
        return ServiceProcess.start(ServiceSettings.App.COLLECTOR.jar(), settings, dir.resolve(logName));
    }

    static String key(int i) {
        return String.format("img-%05d", i);
    }

    byte[] png(int i) {
        return TrafficReplayer.png(images, i);
    }

    int label(int i) {
        return labels[i];
    }

    /** Sends test images {@code [from, from + count)} as PNG records keyed {@link #key(int)} with their labels. */
    void sendImages(int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            send(key(i), png(i), "image/png", Integer.toString(labels[i]));
        }
        producer.flush();
    }

    void send(String key, byte[] value, String contentType, String label) throws Exception {
        RecordHeaders h = new RecordHeaders();
        VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, contentType);
        VbpHeaders.put(h, VbpHeaders.LABEL, label);
        producer.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, key, value, h)).get();
    }

    void promote(ModelVersion v) throws Exception {
        producer.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), v.key(), Messages.write(v))).get();
    }

    void sendRawVersion(String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), key, value)).get();
    }

    static ModelVersion version(String name, ArtifactRef ref, String parent, int generation) {
        return ModelVersion.of("fmnist-vit", name, ref.uri().toString(), ref.sha256(), parent, generation, Instant.now().toString());
    }

    List<ConsumerRecord<String, byte[]>> read(Topic topic) {
        return TopicReader.readAll(bootstrap(), topic.topicName());
    }

    /** Offline co-moments of the images, per block (the instrumented graph with co-moments, batches of 100). */
    Map<String, CoMoments> offlineCoMoments(Path model, List<Integer> imageIndices) throws IOException {
        Map<String, CoMoments> out = new HashMap<>();
        offlineBatches(model, imageIndices, true, r -> r.coMoments().forEach((block, c) -> out.merge(block, c, CoMoments::merge)));
        return out;
    }

    /** The co-moment tiles on the topic merged per block and reassembled; asserts each went to its block's partition. */
    Map<MomentsKey, CoMoments> mergedCoMoments() {
        Map<MomentsKey, Map<String, CoMomentsTile>> tiles = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (ConsumerRecord<String, byte[]> r : read(Topic.ACTIVATION_COMOMENTS)) {
            CoMomentsKey key = CoMomentsKey.parse(r.key());
            assertEquals(key.partition(Topic.ACTIVATION_COMOMENTS.partitions()), r.partition(),
                    r.key() + " is in its block's partition");
            tiles.computeIfAbsent(key.block(), k -> new HashMap<>())
                    .merge(key.row() + "." + key.column(), CoMomentsCodec.decode(r.value()), CoMomentsTile::merge);
        }
        Map<MomentsKey, CoMoments> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        tiles.forEach((block, t) -> out.put(block, CoMoments.fromTiles(new ArrayList<>(t.values()))));
        return out;
    }

    /** An image whose tokens a publication claims: its index in the test set and its token seed. */
    record Sampled(int index, long seed) {
    }

    /**
     * Per block, the images the co-moment publications on {@code activation-comoments} claim to cover: each
     * publication's first tile ({@code 0.0}) lists in its {@code vbp-offsets} header the input ranges of every window
     * it covers; the images there that were predicted (dead letters contribute no tokens) with the seed the collector
     * drew their tokens from. Asserts that no image is claimed twice.
     */
    Map<MomentsKey, List<Sampled>> claimedImages() throws IOException {
        Map<String, Integer> byOffset = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : read(Topic.IMAGES)) {
            if (r.key() != null && r.key().matches("img-\\d{5}")) {
                byOffset.put(r.partition() + "@" + r.offset(), Integer.parseInt(r.key().substring(4)));
            }
        }
        java.util.Set<String> predicted = new java.util.HashSet<>();
        for (ConsumerRecord<String, byte[]> r : read(Topic.PREDICTIONS)) {
            predicted.add(r.key());
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<MomentsKey, List<Sampled>> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (ConsumerRecord<String, byte[]> r : read(Topic.ACTIVATION_COMOMENTS)) {
            CoMomentsKey key = CoMomentsKey.parse(r.key());
            if (key.row() != 0 || key.column() != 0) {
                continue;
            }
            List<Sampled> claimed = out.computeIfAbsent(key.block(), k -> new ArrayList<>());
            for (io.vbpstream.platform.message.OffsetRange range : json.readValue(
                    VbpHeaders.get(r.headers(), VbpHeaders.OFFSETS), io.vbpstream.platform.message.OffsetRange[].class)) {
                for (long offset = range.from(); offset <= range.to(); offset++) {
                    Integer index = byOffset.get(range.partition() + "@" + offset);
                    if (index != null && predicted.contains(key(index))) {
                        claimed.add(new Sampled(index, io.vbpstream.core.stats.TokenSampler.imageSeed(0, range.partition(), offset)));
                    }
                }
            }
        }
        out.forEach((block, list) -> assertEquals(list.size(), list.stream().map(Sampled::index).distinct().count(),
                block + ": an image is claimed by two publications"));
        return out;
    }

    /** Offline: the collectors' estimator over the images' PNG bytes, {@code k} tokens each from their seeds. */
    Map<String, CoMoments> offlineSampledCoMoments(Path model, List<Sampled> sampled, int k) throws IOException {
        ModelProto proto = OnnxModels.read(model).model();
        Preprocessor pre = new Preprocessor(ModelCard.read(CARD).input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        Map<String, CoMoments> out = new HashMap<>();
        try (InstrumentedSession s = new InstrumentedSession(proto, MlpBlockFinder.find(proto), k)) {
            int batch = 100;
            for (int from = 0; from < sampled.size(); from += batch) {
                int n = Math.min(batch, sampled.size() - from);
                float[] data = new float[n * pre.size()];
                long[] seeds = new long[n];
                for (int i = 0; i < n; i++) {
                    pre.image(decoder.decode(png(sampled.get(from + i).index()), "image/png"), data, i * pre.size());
                    seeds[i] = sampled.get(from + i).seed();
                }
                s.runSampled(data, new long[]{n, pre.channels(), pre.height(), pre.width()}, seeds).coMoments()
                        .forEach((block, c) -> out.merge(block, c, CoMoments::merge));
            }
        }
        return out;
    }

    /**
     * Every co-moment within {@code rel} of the two neurons' spread {@code sqrt(C_ii C_jj)} (float32 Gram batches),
     * every mean within 1e-6 of the neuron's scale (each batch's mean is the graph's float32 centre, and the two sides
     * batch the images differently).
     */
    static void assertCoMomentsClose(String what, CoMoments expected, CoMoments actual, double rel) {
        assertEquals(expected.count(), actual.count(), what + " count");
        for (int i = 0; i < expected.width(); i++) {
            double spread = Math.sqrt(expected.coMoment(i, i) / Math.max(1, expected.count()));
            assertEquals(expected.mean(i), actual.mean(i), 1e-6 * (spread + Math.abs(expected.mean(i))) + 1e-9,
                    what + " mean " + i);
            for (int j = i; j < expected.width(); j++) {
                double scale = Math.sqrt(expected.coMoment(i, i) * expected.coMoment(j, j));
                assertEquals(expected.coMoment(i, j), actual.coMoment(i, j), rel * scale + 1e-9, what + " C[" + i + "][" + j + "]");
            }
        }
    }

    /** The committed moments deltas merged per key, in topic order. */
    Map<MomentsKey, Moments> mergedMoments() {
        Map<MomentsKey, Moments> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (ConsumerRecord<String, byte[]> r : read(Topic.ACTIVATION_MOMENTS)) {
            Moments m = MomentsCodec.decode(r.value());
            out.merge(MomentsKey.parse(r.key()), m, Moments::merge);
        }
        return out;
    }

    /** Offline: the instrumented model run by vbp-core over the same PNG bytes, per block. */
    Map<String, Moments> offlineMoments(Path model, List<Integer> imageIndices) throws IOException {
        Map<String, Moments> out = new HashMap<>();
        offlineBatches(model, imageIndices, false, r -> r.moments().forEach((block, m) -> out.merge(block, m.copy(), Moments::merge)));
        return out;
    }

    /** Runs vbp-core's instrumented model over the images' PNG bytes in batches of 100. */
    private void offlineBatches(Path model, List<Integer> imageIndices, boolean coMoments,
                                java.util.function.Consumer<InstrumentedSession.BatchResult> each) throws IOException {
        ModelProto proto = OnnxModels.read(model).model();
        Preprocessor pre = new Preprocessor(ModelCard.read(CARD).input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        try (InstrumentedSession s = new InstrumentedSession(proto, MlpBlockFinder.find(proto), coMoments)) {
            int batch = 100;
            for (int from = 0; from < imageIndices.size(); from += batch) {
                int n = Math.min(batch, imageIndices.size() - from);
                float[] data = new float[n * pre.size()];
                for (int k = 0; k < n; k++) {
                    pre.image(decoder.decode(png(imageIndices.get(from + k)), "image/png"), data, k * pre.size());
                }
                each.accept(s.runInstrumented(data, new long[]{n, pre.channels(), pre.height(), pre.width()}, coMoments));
            }
        }
    }

    /**
     * Asserts two moments agree: the same count exactly, and every mean and M2 within {@code rel} of the larger
     * magnitude in its block (the float32 per-image sums are identical; only the float64 order of merging differs).
     */
    static void assertMomentsEqual(String what, Moments expected, Moments actual, double rel) {
        assertEquals(expected.count(), actual.count(), what + ": sample count");
        assertEquals(expected.width(), actual.width(), what + ": width");
        assertClose(what + " mean", expected.mean(), actual.mean(), rel);
        assertClose(what + " M2", expected.m2(), actual.m2(), rel);
    }

    private static void assertClose(String what, double[] e, double[] a, double rel) {
        for (int j = 0; j < e.length; j++) {
            double scale = Math.max(Math.abs(e[j]), Math.abs(a[j]));
            assertTrue(Math.abs(e[j] - a[j]) <= rel * scale,
                    what + "[" + j + "]: expected " + e[j] + ", got " + a[j] + " (relative " + Math.abs(e[j] - a[j]) / scale + ")");
        }
    }

    @Override
    public void close() {
        producer.close();
        broker.close();
    }
}
