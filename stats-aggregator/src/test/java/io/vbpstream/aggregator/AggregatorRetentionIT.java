package io.vbpstream.aggregator;

import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention on a real broker: statistics and co-moments of three versions (base, g1, g2) are merged; then g2 is
 * promoted (pruned from g1, pruned from base). Once the grace has passed, base's keys are gone from both stores and
 * their changelogs and tombstoned in {@code layer-statistics} and {@code layer-comoments}, while g2 and g1 (what a
 * rollback returns to) keep theirs; a late delta for base is dropped, not merged; and a restarted aggregator neither
 * brings base back nor re-emits it. And the merged {@code activation-comoments} records are deleted from the broker,
 * while the tiles' changelog rolls the co-moment topics' small segments.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AggregatorRetentionIT {

    private static final int WIDTH = 96;
    private static final int TILE = 64; // 2 x 2 tiles, 3 in the upper triangle
    private static final String SHA = "b".repeat(64);
    private static AggregatorTestBed bed;
    private static ServiceProcess aggregator;
    private static final Map<String, String> SETTINGS = Map.of("vbp.aggregator.retention.grace", "2s",
            "vbp.aggregator.retention.check-interval", "1s", "vbp.aggregator.purge.interval", "1s");

    private static List<String> keys(String version) {
        return List.of("fmnist-vit/" + version + "/mlp0", "fmnist-vit/" + version + "/mlp1");
    }

    private static ModelVersion version(String name, String parent, int generation, Instant at) {
        return ModelVersion.of("fmnist-vit", name, "vbp-store:sha256/" + SHA + ".onnx", SHA, parent, generation, at.toString());
    }

    @BeforeAll
    static void mergeThenSupersede() throws Exception {
        bed = AggregatorTestBed.create();
        aggregator = bed.start("a", SETTINGS);
        Random rnd = new Random(19);
        for (String v : List.of("base", "g1", "g2")) {
            bed.sendDeltas(keys(v), 3, WIDTH, rnd);
            bed.sendCoMoments(keys(v), 2, WIDTH, TILE, rnd);
        }
        AggregatorTestBed.await(() -> latest(Topic.LAYER_STATISTICS).size() == 6
                && latest(Topic.LAYER_COMOMENTS).size() == 18, "every key emitted", 60);
        Instant now = Instant.now();
        bed.sendVersion(version("base", null, 0, now.minusSeconds(3600)));
        bed.sendVersion(version("g1", "base", 1, now.minusSeconds(1800)));
        bed.sendVersion(version("g2", "g1", 2, now));
        AggregatorTestBed.await(() -> retired(Topic.LAYER_STATISTICS).size() == 2
                && retired(Topic.LAYER_COMOMENTS).size() == 6, "base tombstoned", 60);
    }

    @AfterAll
    static void stop() throws Exception {
        if (aggregator != null) {
            aggregator.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    /** The latest record per key, tombstones included (a null value). */
    private static Map<String, byte[]> latest(Topic topic) {
        return latest(topic.topicName());
    }

    private static Set<String> retired(Topic topic) {
        return latest(topic).entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    private static Map<String, byte[]> latest(String topic) {
        Map<String, byte[]> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bed.broker.bootstrapServers(), topic)) {
            out.put(r.key(), r.value());
        }
        return out;
    }

    @Test
    @Order(1)
    void theSupersededVersionIsTombstonedDownstreamAndInTheChangelogs() {
        assertEquals(Set.copyOf(keys("base")), retired(Topic.LAYER_STATISTICS));
        assertEquals(Set.of("fmnist-vit/base/mlp0/0.0", "fmnist-vit/base/mlp0/0.1", "fmnist-vit/base/mlp0/1.1",
                "fmnist-vit/base/mlp1/0.0", "fmnist-vit/base/mlp1/0.1", "fmnist-vit/base/mlp1/1.1"), retired(Topic.LAYER_COMOMENTS));
        Map<String, byte[]> moments = latest("stats-aggregator-running-moments-changelog");
        Map<String, byte[]> tiles = latest("stats-aggregator-running-comoments-changelog");
        for (String v : List.of("g1", "g2")) {
            for (String key : keys(v)) {
                assertNotNull(latest(Topic.LAYER_STATISTICS).get(key), key + " kept");
                assertNotNull(moments.get(key), key + " kept in the changelog");
                assertNotNull(tiles.get(key + "/0.1"), key + " tiles kept in the changelog");
            }
        }
        for (String key : keys("base")) {
            assertTrue(moments.containsKey(key) && moments.get(key) == null, key + ": a tombstone in the changelog");
            assertTrue(tiles.containsKey(key + "/1.1") && tiles.get(key + "/1.1") == null, key + " tiles: tombstones");
        }
    }

    @Test
    @Order(2)
    void theStoresNoLongerAnswerForItAndALateDeltaIsDropped() throws Exception {
        assertEquals(404, aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/mlp0").statusCode());
        assertEquals(200, aggregator.get("/statistics/models/fmnist-vit/versions/g1/blocks/mlp0").statusCode());
        assertEquals(2, aggregator.metric("vbp_aggregator_keys_retired_total{store=\"running-moments\"}"));
        assertEquals(6, aggregator.metric("vbp_aggregator_keys_retired_total{store=\"running-comoments\"}"));
        bed.sendDeltas(List.of("fmnist-vit/base/mlp0"), 1, WIDTH, new Random(1));
        AggregatorTestBed.await(() -> metricOrZero("vbp_aggregator_retired_deltas_dropped_total{store=\"running-moments\"}") == 1,
                "the late delta dropped", 30);
        Thread.sleep(1500); // two emissions
        assertNull(latest(Topic.LAYER_STATISTICS).get("fmnist-vit/base/mlp0"), "not brought back");
    }

    @Test
    @Order(4)
    void aRestartedAggregatorNeitherRestoresNorReEmitsIt() throws Exception {
        aggregator.kill();
        int before = TopicReader.readAll(bed.broker.bootstrapServers(), Topic.LAYER_STATISTICS.topicName()).size();
        aggregator = bed.start("a", SETTINGS);
        AggregatorTestBed.await(() -> TopicReader.readAll(bed.broker.bootstrapServers(),
                Topic.LAYER_STATISTICS.topicName()).size() >= before + 4, "the kept keys re-emitted after the restart", 60);
        Thread.sleep(1500);
        assertEquals(Set.copyOf(keys("base")), retired(Topic.LAYER_STATISTICS), "base stays retired");
        assertEquals(404, aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/mlp1").statusCode());
        for (String key : keys("g2")) {
            assertNotNull(latest(Topic.LAYER_STATISTICS).get(key));
        }
    }

    private static double metricOrZero(String selector) {
        try {
            return aggregator.metric(selector);
        } catch (Exception | AssertionError e) {
            return 0;
        }
    }

    @Test
    @Order(3)
    void theMergedCoMomentsAreDeletedFromTheBrokerAndTheirChangelogRollsSmallSegments() throws Exception {
        try (Admin admin = bed.broker.admin()) {
            List<TopicPartition> partitions = IntStream.range(0, Topic.ACTIVATION_COMOMENTS.partitions())
                    .mapToObj(p -> new TopicPartition(Topic.ACTIVATION_COMOMENTS.topicName(), p)).toList();
            Map<TopicPartition, Long> end = offsets(admin, partitions, OffsetSpec.latest());
            assertTrue(end.values().stream().mapToLong(Long::longValue).sum() >= 18, "the co-moments were sent: " + end);
            AggregatorTestBed.await(() -> offsets(admin, partitions, OffsetSpec.earliest()).equals(end),
                    "every merged co-moment record deleted", 30);
            ConfigResource changelog = new ConfigResource(ConfigResource.Type.TOPIC,
                    "stats-aggregator-running-comoments-changelog");
            Config c = admin.describeConfigs(List.of(changelog)).all().get().get(changelog);
            assertEquals(Integer.toString(Topic.COMOMENTS_SEGMENT_BYTES), c.get("segment.bytes").value());
            assertEquals("0.2", c.get("min.cleanable.dirty.ratio").value());
        }
        assertTrue(aggregator.metric("vbp_aggregator_comoments_purges_total") >= 1);
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec) {
        try {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            partitions.forEach(p -> request.put(p, spec));
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request).all().get().forEach((p, info) -> out.put(p, info.offset()));
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
