package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.ModelVersion;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Superseded versions' keys leave both stores and are tombstoned downstream; late deltas for them are dropped. */
class RetentionTopologyTest {

    private static final Duration EMIT = Duration.ofSeconds(2);
    private static final AggregatorTopology.Retention RETENTION =
            new AggregatorTopology.Retention(Duration.ofMinutes(10), Duration.ofSeconds(30));
    private static final String SHA = "c".repeat(64);
    private static final int WIDTH = 40;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> moments;
    private TestInputTopic<String, byte[]> tiles;
    private TestInputTopic<String, byte[]> versions;
    private TestOutputTopic<String, byte[]> statistics;
    private TestOutputTopic<String, byte[]> coMoments;
    private final List<String> dropped = new ArrayList<>();
    private final Map<String, Integer> retiredKeys = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-retention-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("aggregator-retention-test").toString());
        driver = new TopologyTestDriver(AggregatorTopology.build(EMIT, RETENTION, new MergeListener() {
            @Override
            public void merged(io.vbpstream.platform.MomentsKey key, RunningMoments totals, long lagMs) {
            }

            @Override
            public void rejected(String reason) {
            }

            @Override
            public void keysRetired(String store, List<String> keys) {
                retiredKeys.merge(store, keys.size(), Integer::sum);
            }

            @Override
            public void retiredDeltaDropped(String store) {
                dropped.add(store);
            }
        }), p);
        moments = driver.createInputTopic(Topic.ACTIVATION_MOMENTS.topicName(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        tiles = driver.createInputTopic(Topic.ACTIVATION_COMOMENTS.topicName(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        versions = driver.createInputTopic(Topic.MODEL_VERSIONS.topicName(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        statistics = driver.createOutputTopic(Topic.LAYER_STATISTICS.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        coMoments = driver.createOutputTopic(Topic.LAYER_COMOMENTS.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void delta(String version) {
        float[] x = new float[3 * WIDTH];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7 + version.length()) % 11;
        }
        moments.pipeInput("m/" + version + "/mlp0", MomentsCodec.encode(Moments.empty(WIDTH).addBatch(x, 3)));
        for (CoMomentsTile t : CoMoments.empty(WIDTH).addBatch(x, 3).tiles(32)) {
            tiles.pipeInput("m/" + version + "/mlp0/" + t.row() + "." + t.column(), CoMomentsCodec.encode(t));
        }
    }

    private void version(String name, String parent, int generation, Instant at) {
        ModelVersion v = ModelVersion.of("m", name, "vbp-store:sha256/" + SHA + ".onnx", SHA, parent, generation, at.toString());
        versions.pipeInput(v.key(), Messages.write(v));
    }

    private static Map<String, byte[]> latest(TestOutputTopic<String, byte[]> topic) {
        Map<String, byte[]> out = new HashMap<>();
        topic.readRecordsToList().forEach(r -> out.put(r.key(), r.value()));
        return out;
    }

    /** A punctuation emits whole blocks until their tiles pass the budget; the other blocks follow at the next. */
    @Test
    void anEmissionCarriesWholeBlocksUpToItsBudget() throws Exception {
        driver.close();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-emit-budget-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("aggregator-emit-budget-test").toString());
        // one block's 3 tiles of width 40 (tile 32) are about 8 kB: a budget of 1 byte still emits one whole block
        driver = new TopologyTestDriver(AggregatorTopology.build(EMIT, 1, RETENTION, MergeListener.NONE), p);
        tiles = driver.createInputTopic(Topic.ACTIVATION_COMOMENTS.topicName(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        coMoments = driver.createOutputTopic(Topic.LAYER_COMOMENTS.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        for (String v : List.of("base", "g1", "g2")) {
            float[] x = new float[3 * WIDTH];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 5 + v.length()) % 13;
            }
            for (CoMomentsTile t : CoMoments.empty(WIDTH).addBatch(x, 3).tiles(32)) {
                tiles.pipeInput("m/" + v + "/mlp0/" + t.row() + "." + t.column(), CoMomentsCodec.encode(t));
            }
        }
        java.util.Set<String> blocks = new java.util.HashSet<>();
        for (int punctuation = 1; punctuation <= 3; punctuation++) {
            driver.advanceWallClockTime(EMIT);
            List<String> keys = coMoments.readRecordsToList().stream().map(r -> r.key()).toList();
            assertEquals(3, keys.size(), "punctuation " + punctuation + ": one whole block, " + keys);
            String block = keys.get(0).substring(0, keys.get(0).lastIndexOf('/'));
            assertTrue(keys.stream().allMatch(k -> k.startsWith(block + "/")), "all of one block's tiles together");
            blocks.add(block);
        }
        assertEquals(3, blocks.size(), "every block emitted once");
        driver.advanceWallClockTime(EMIT);
        assertTrue(coMoments.readRecordsToList().isEmpty());
    }

    @Test
    void aVersionTwoPromotionsBackGoesOnceTheGraceHasPassed() {
        for (String v : List.of("base", "g1", "g2")) {
            delta(v);
        }
        driver.advanceWallClockTime(EMIT);
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        version("base", null, 0, now.minus(Duration.ofHours(2)));
        version("g1", "base", 1, now.minus(Duration.ofHours(1)));
        version("g2", "g1", 2, now);
        Map<String, byte[]> first = latest(statistics);
        assertEquals(3, first.size());
        latest(coMoments);

        driver.advanceWallClockTime(RETENTION.checkInterval());
        assertTrue(latest(statistics).isEmpty(), "g2 was promoted less than the grace ago: nothing retired yet");
        driver.advanceWallClockTime(Duration.ofMinutes(10));
        Map<String, byte[]> after = latest(statistics);
        assertTrue(after.containsKey("m/base/mlp0") && after.get("m/base/mlp0") == null, "base tombstoned: " + after.keySet());
        assertEquals(1, after.size(), "g1 (a rollback's target) and g2 (served) stay");
        Map<String, byte[]> tileOut = latest(coMoments);
        assertEquals(List.of("m/base/mlp0/0.0", "m/base/mlp0/0.1", "m/base/mlp0/1.1"),
                tileOut.keySet().stream().sorted().toList());
        assertTrue(tileOut.values().stream().allMatch(v -> v == null), "tombstones");
        KeyValueStore<String, RunningMoments> m = driver.getKeyValueStore(MomentsMergeProcessor.STORE);
        KeyValueStore<String, RunningTile> t = driver.getKeyValueStore(CoMomentsMergeProcessor.STORE);
        assertNull(m.get("m/base/mlp0"));
        assertNull(t.get("m/base/mlp0/0.1"));
        assertNotNull(m.get("m/g1/mlp0"));
        assertNotNull(t.get("m/g2/mlp0/1.1"));
        assertEquals(Map.of(MomentsMergeProcessor.STORE, 1, CoMomentsMergeProcessor.STORE, 3), retiredKeys);

        delta("base");
        assertEquals(List.of(MomentsMergeProcessor.STORE, CoMomentsMergeProcessor.STORE, CoMomentsMergeProcessor.STORE,
                CoMomentsMergeProcessor.STORE), dropped, "late deltas of a retired version are dropped");
        assertNull(m.get("m/base/mlp0"), "and not merged into a fresh key");
        driver.advanceWallClockTime(EMIT);
        assertTrue(latest(statistics).isEmpty());
    }
}
