package io.vbpstream.collector;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.Pruning;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.Prediction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model versions: a promoted pruned version is swapped in mid-stream with no image dropped or predicted twice, and
 * its moments are keyed by the new version; missing, tampered and unusable versions, and unreadable version records,
 * are refused while the served version keeps serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CollectorHotSwapIT {

    private static final int FIRST = 1000;
    private static final int SECOND = 1000;
    private static CollectorTestBed bed;
    private static ServiceProcess collector;
    private static ArtifactRef base;
    private static ArtifactRef pruned;
    private static ModelProto prunedModel;

    @BeforeAll
    static void start() throws Exception {
        bed = CollectorTestBed.create();
        base = bed.put(CollectorTestBed.MODEL);
        prunedModel = prune(0.5);
        Path file = bed.dir.resolve("pruned.onnx");
        OnnxModels.write(prunedModel, file);
        pruned = bed.put(file);
        collector = bed.startCollector(bed.settings(base, "base", "hotswap-it"), "collector.log");
    }

    @AfterAll
    static void stop() throws Exception {
        if (collector != null) {
            collector.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    @Order(1)
    void aPromotedVersionIsSwappedInWithNoImageDroppedOrDuplicated() throws Exception {
        bed.sendImages(0, FIRST);
        TopicReader.awaitRecords(bed.bootstrap(), Topic.PREDICTIONS.topicName(), r -> r.size() >= 300, Duration.ofSeconds(60));
        bed.promote(CollectorTestBed.version("g1-half", pruned, "base", 1));
        bed.sendImages(FIRST, SECOND);
        List<ConsumerRecord<String, byte[]>> records = TopicReader.awaitRecords(bed.bootstrap(),
                Topic.PREDICTIONS.topicName(), r -> r.size() >= FIRST + SECOND, Duration.ofSeconds(120));

        Set<String> keys = new HashSet<>();
        Map<Integer, List<Prediction>> byPartition = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            assertTrue(keys.add(r.key()), "duplicate prediction for " + r.key());
            Prediction p = Prediction.read(r.value());
            byPartition.computeIfAbsent(p.source().partition(), k -> new ArrayList<>()).add(p);
        }
        assertEquals(FIRST + SECOND, keys.size());
        Set<String> versions = new HashSet<>();
        for (List<Prediction> ps : byPartition.values()) {
            ps.sort(Comparator.comparingLong(p -> p.source().offset()));
            int switches = 0;
            for (int i = 1; i < ps.size(); i++) {
                assertTrue(!ps.get(i - 1).version().equals("g1-half") || ps.get(i).version().equals("g1-half"),
                        "once g1-half serves a partition, base never comes back");
                switches += ps.get(i - 1).version().equals(ps.get(i).version()) ? 0 : 1;
            }
            assertTrue(switches <= 1);
            ps.forEach(p -> versions.add(p.version()));
        }
        assertEquals(Set.of("base", "g1-half"), versions);
        assertEquals(1.0, collector.metric("vbp_collector_serving_model_info{model=\"fmnist-vit\",sha256=\""
                + pruned.sha256() + "\",version=\"g1-half\"}"));
    }

    @Test
    @Order(2)
    void momentsAreKeyedByTheVersionThatProducedThem() throws Exception {
        Map<String, List<Integer>> imagesByVersion = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.PREDICTIONS)) {
            imagesByVersion.computeIfAbsent(Prediction.read(r.value()).version(), k -> new ArrayList<>())
                    .add(Integer.parseInt(r.key().substring(4)));
        }
        Map<MomentsKey, Moments> streamed = TopicReader.awaitRecords(bed.bootstrap(), Topic.ACTIVATION_MOMENTS.topicName(),
                r -> true, Duration.ofSeconds(5)).isEmpty() ? Map.of() : bed.mergedMoments();
        Path prunedFile = bed.dir.resolve("pruned.onnx");
        for (Map.Entry<String, List<Integer>> e : imagesByVersion.entrySet()) {
            Path model = e.getKey().equals("base") ? CollectorTestBed.MODEL : prunedFile;
            Map<String, Moments> offline = bed.offlineMoments(model, e.getValue());
            for (Map.Entry<String, Moments> b : offline.entrySet()) {
                Moments s = streamed.get(new MomentsKey("fmnist-vit", e.getKey(), b.getKey()));
                assertNotNull(s, e.getKey() + "/" + b.getKey());
                assertEquals(e.getKey().equals("base") ? 256 : 128, s.width());
                CollectorTestBed.assertMomentsEqual(e.getKey() + "/" + b.getKey(), b.getValue(), s, 1e-9);
            }
        }
    }

    @Test
    @Order(3)
    void missingTamperedAndUnusableVersionsAreRefusedAndServingGoesOn() throws Exception {
        // missing: an address with no file behind it
        String absent = "0".repeat(64);
        promoteAndAwaitRefusal(ModelVersion.of("fmnist-vit", "g2-missing", "vbp-store:sha256/" + absent + ".onnx", absent,
                "g1-half", 2, "2026-01-01T00:00:00Z"), "MISSING");

        // tampered: the store holds a file under a model's sha256, but its bytes were changed after
        ModelProto other = prune(0.25);
        String sha = OnnxModels.sha256(other);
        byte[] bytes = other.toByteArray();
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(bed.store.root().resolve("sha256/" + sha + ".onnx"), bytes);
        promoteAndAwaitRefusal(ModelVersion.of("fmnist-vit", "g2-tampered", "vbp-store:sha256/" + sha + ".onnx", sha,
                "g1-half", 2, "2026-01-01T00:00:00Z"), "HASH_MISMATCH");

        // unusable: intact, correctly hashed bytes that are not an ONNX model
        Path junk = bed.dir.resolve("junk.onnx");
        Files.writeString(junk, "not a model at all");
        ArtifactRef junkRef = bed.put(junk);
        promoteAndAwaitRefusal(CollectorTestBed.version("g2-junk", junkRef, "g1-half", 2), "UNUSABLE");

        bed.sendImages(FIRST + SECOND, 200);
        List<ConsumerRecord<String, byte[]>> records = TopicReader.awaitRecords(bed.bootstrap(),
                Topic.PREDICTIONS.topicName(), r -> r.size() >= FIRST + SECOND + 200, Duration.ofSeconds(60));
        for (ConsumerRecord<String, byte[]> r : records) {
            if (Integer.parseInt(r.key().substring(4)) >= FIRST + SECOND) {
                assertEquals("g1-half", Prediction.read(r.value()).version(), "refused versions never serve");
            }
        }
        assertEquals(200, collector.get("/q/health/ready").statusCode());
    }

    @Test
    @Order(4)
    void unreadableVersionRecordsGoToTheDeadLetterTopic() throws Exception {
        bed.sendRawVersion("fmnist-vit", "{not json".getBytes(StandardCharsets.UTF_8));
        bed.sendRawVersion("fmnist-vit", "{\"schema\":99,\"model\":\"fmnist-vit\"}".getBytes(StandardCharsets.UTF_8));
        List<ConsumerRecord<String, byte[]>> dlq = TopicReader.awaitRecords(bed.bootstrap(),
                Topic.MODEL_VERSIONS_DLQ.topicName(), r -> r.size() >= 2, Duration.ofSeconds(30));
        String reasons = dlq.stream().map(r -> new String(r.headers().lastHeader("dead-letter-reason").value(),
                StandardCharsets.UTF_8)).toList().toString();
        assertTrue(reasons.contains("MALFORMED") && reasons.contains("UNKNOWN_SCHEMA"), reasons);
        assertEquals(1.0, collector.metric("vbp_collector_model_version_messages_rejected_total{reason=\"UNKNOWN_SCHEMA\"}"));
    }

    private static void promoteAndAwaitRefusal(ModelVersion v, String reason) throws Exception {
        String series = "vbp_collector_model_refusals_total{reason=\"" + reason + "\"}";
        double before = collector.metric(series);
        bed.promote(v);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (collector.metric(series) <= before) {
            assertTrue(System.nanoTime() < deadline, "no " + reason + " refusal of " + v.version() + "\n" + collector.tail());
            Thread.sleep(200);
        }
    }

    /** The reference model pruned by variance at {@code ratio}, from statistics over 512 other images. */
    private static ModelProto prune(double ratio) throws Exception {
        Map<String, Moments> moments = bed.offlineMoments(CollectorTestBed.MODEL, IntStream.range(3000, 3512).boxed().toList());
        String sha = OnnxModels.sha256(CollectorTestBed.MODEL);
        ModelStatistics stats = new ModelStatistics(sha);
        moments.forEach((block, m) -> stats.block(block, m.width()).merge(m));
        stats.addImages(512);
        ModelProto base = OnnxModels.read(CollectorTestBed.MODEL).model();
        return Pruning.run(base, sha, stats, PruningPolicy.of(Criterion.VARIANCE, Allocation.UNIFORM,
                new PruningTarget.NeuronRatio(ratio), Compensation.MEAN), null).model();
    }
}
