package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The co-moments half of the topology: tile deltas merged, held back until a block is consistent, bad ones refused. */
class CoMomentsTopologyTest {

    private static final String BLOCK = "fmnist-vit/base/mlp0";
    private static final int WIDTH = 300;
    private static final int TILE = 128; // 3 x 3 tiles, ragged last row and column: 6 in the upper triangle
    private static final Duration EMIT = Duration.ofSeconds(2);

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> in;
    private TestOutputTopic<String, byte[]> out;
    private TestOutputTopic<String, byte[]> dlq;
    private KeyValueStore<String, RunningTile> store;
    private final List<String> rejected = new ArrayList<>();
    private final List<Integer> awaiting = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-comoments-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("aggregator-comoments-test").toString());
        driver = new TopologyTestDriver(AggregatorTopology.coMoments(EMIT, CoMomentsMergeProcessor.DEFAULT_MAX_EMIT_BYTES,
                AggregatorTopology.Retention.DEFAULT, new MergeListener() {
            @Override
            public void merged(io.vbpstream.platform.MomentsKey key, RunningMoments totals, long lagMs) {
            }

            @Override
            public void rejected(String reason) {
            }

            @Override
            public void tileRejected(String reason) {
                rejected.add(reason);
            }

            @Override
            public void blocksAwaitingTiles(int blocks) {
                awaiting.add(blocks);
            }
        }), p);
        in = driver.createInputTopic(Topic.ACTIVATION_COMOMENTS.topicName(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        out = driver.createOutputTopic(Topic.LAYER_COMOMENTS.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        dlq = driver.createOutputTopic(Topic.ACTIVATION_COMOMENTS_DLQ.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        store = driver.getKeyValueStore(CoMomentsMergeProcessor.STORE);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** Samples shifted, scaled and correlated per neuron, as hidden activations are. */
    private static float[] batch(Random rnd, int rows) {
        float[] data = new float[rows * WIDTH];
        for (int r = 0; r < rows; r++) {
            double shared = rnd.nextGaussian();
            for (int j = 0; j < WIDTH; j++) {
                data[r * WIDTH + j] = (float) (0.01 * j + (j % 5) * 0.3 * shared + Math.exp(0.5 * rnd.nextGaussian()));
            }
        }
        return data;
    }

    private void send(List<CoMomentsTile> tiles) {
        send(BLOCK, tiles);
    }

    private void send(String block, List<CoMomentsTile> tiles) {
        for (CoMomentsTile t : tiles) {
            in.pipeInput(block + "/" + t.row() + "." + t.column(), CoMomentsCodec.encode(t));
        }
    }

    private Map<String, CoMomentsTile> emitted() {
        Map<String, CoMomentsTile> latest = new HashMap<>();
        for (TestRecord<String, byte[]> r : out.readRecordsToList()) {
            latest.put(r.key(), CoMomentsCodec.decode(r.value()));
        }
        return latest;
    }

    @Test
    void mergedTilesReassembleIntoATwoPassReferenceOverAllSamples() {
        Random rnd = new Random(8);
        List<float[]> batches = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        for (int d = 0; d < 12; d++) {
            int n = 20 + rnd.nextInt(200);
            float[] b = batch(rnd, n);
            batches.add(b);
            rows.add(n);
            List<CoMomentsTile> tiles = CoMoments.empty(WIDTH).addBatch(b, n).tiles(TILE);
            Collections.shuffle(tiles, rnd);
            send(tiles);
        }
        driver.advanceWallClockTime(EMIT);
        Map<String, CoMomentsTile> latest = emitted();
        assertEquals(6, latest.size(), "every tile of the block emitted: " + latest.keySet());
        CoMoments streamed = CoMoments.fromTiles(new ArrayList<>(latest.values()));

        // two-pass float64 reference over every sample
        long n = rows.stream().mapToLong(Integer::longValue).sum();
        double[] mean = new double[WIDTH];
        for (int d = 0; d < batches.size(); d++) {
            for (int r = 0; r < rows.get(d); r++) {
                for (int j = 0; j < WIDTH; j++) {
                    mean[j] += batches.get(d)[r * WIDTH + j];
                }
            }
        }
        for (int j = 0; j < WIDTH; j++) {
            mean[j] /= n;
        }
        double[][] c = new double[WIDTH][WIDTH];
        double[] centred = new double[WIDTH];
        for (int d = 0; d < batches.size(); d++) {
            for (int r = 0; r < rows.get(d); r++) {
                for (int j = 0; j < WIDTH; j++) {
                    centred[j] = batches.get(d)[r * WIDTH + j] - mean[j];
                }
                for (int i = 0; i < WIDTH; i++) {
                    for (int j = i; j < WIDTH; j++) {
                        c[i][j] += centred[i] * centred[j];
                    }
                }
            }
        }
        assertEquals(n, streamed.count());
        for (int i = 0; i < WIDTH; i++) {
            assertEquals(mean[i], streamed.mean(i), 1e-9 * Math.abs(mean[i]));
            for (int j = i; j < WIDTH; j++) {
                // the store holds float32 co-moments: 12 merges, each rounded once (2^-24), stay within 1e-6
                double scale = Math.sqrt(c[i][i] * c[j][j]);
                assertEquals(c[i][j], streamed.coMoment(i, j), 1e-6 * scale, "C[" + i + "][" + j + "]");
            }
        }
        RunningTile held = store.get(BLOCK + "/0.2");
        assertEquals(12, held.deltas());
        assertEquals(List.of(), rejected);
    }

    @Test
    void aDeltaIsMergedOnlyWhenAllTheBlocksTilesOfItHaveArrived() {
        Random rnd = new Random(9);
        List<CoMomentsTile> first = CoMoments.empty(WIDTH).addBatch(batch(rnd, 50), 50).tiles(TILE);
        send(first.subList(0, 4));
        driver.advanceWallClockTime(EMIT);
        assertTrue(out.isEmpty(), "4 of 6 tiles: staged, nothing merged");
        assertNull(store.get(BLOCK + "/0.0"), "staged tiles are not in the running store");
        assertEquals(1, awaiting.get(awaiting.size() - 1));
        send(first.subList(4, 6));
        List<CoMomentsTile> second = CoMoments.empty(WIDTH).addBatch(batch(rnd, 30), 30).tiles(TILE);
        send(second.subList(0, 1));
        driver.advanceWallClockTime(EMIT);
        Map<String, CoMomentsTile> latest = emitted();
        assertEquals(6, latest.size(), "the first delta is whole: the block is emitted");
        latest.values().forEach(t -> assertEquals(50, t.count(), "without the second delta's one staged tile"));
        send(second.subList(1, 6));
        driver.advanceWallClockTime(EMIT);
        latest = emitted();
        assertEquals(6, latest.size());
        latest.values().forEach(t -> assertEquals(80, t.count()));
        assertEquals(0, awaiting.get(awaiting.size() - 1));
        driver.advanceWallClockTime(EMIT);
        assertTrue(out.isEmpty(), "nothing changed: nothing emitted");
        KeyValueStore<String, byte[]> staging = driver.getKeyValueStore(CoMomentsMergeProcessor.STAGING_STORE);
        try (var it = staging.all()) {
            assertTrue(!it.hasNext(), "nothing left staged");
        }
    }

    /** Tiles as a collector publishes them: every tile of the publication carries its collector, offsets and images. */
    private void publish(List<CoMomentsTile> tiles, String offsets) {
        for (CoMomentsTile t : tiles) {
            publishRaw(BLOCK + "/" + t.row() + "." + t.column(), CoMomentsCodec.encode(t), offsets);
        }
    }

    private void publishRaw(String key, byte[] value, String offsets) {
        org.apache.kafka.common.header.internals.RecordHeaders h = new org.apache.kafka.common.header.internals.RecordHeaders();
        VbpHeaders.put(h, VbpHeaders.COLLECTOR, "collector-0");
        VbpHeaders.put(h, VbpHeaders.OFFSETS, offsets);
        VbpHeaders.put(h, VbpHeaders.IMAGES, "7");
        in.pipeInput(new TestRecord<>(key, value, h));
    }

    /**
     * Issue 15, scenario 4: one refused tile of a delta must not leave the block's tiles covering different samples for
     * the rest of the version. Delta B's tile 1.1 carries a NaN: B's other five tiles (three staged before it, two
     * after) are dead-lettered with it, and after delta C the block is A + C.
     */
    @Test
    void aDeltaWithOneRefusedTileIsRefusedWholeAndTheBlockGoesOnWithTheNext() {
        Random rnd = new Random(12);
        float[] a = batch(rnd, 40);
        float[] b = batch(rnd, 25);
        float[] c = batch(rnd, 33);
        publish(CoMoments.empty(WIDTH).addBatch(a, 40).tiles(TILE), "[{\"p\":0,\"from\":0,\"to\":10}]");
        List<CoMomentsTile> bad = CoMoments.empty(WIDTH).addBatch(b, 25).tiles(TILE);
        String offsetsB = "[{\"p\":0,\"from\":10,\"to\":20}]";
        int nanAt = 3;
        for (int i = 0; i < bad.size(); i++) {
            CoMomentsTile t = bad.get(i);
            if (i == nanAt) {
                double[] v = t.values().clone();
                v[5] = Double.NaN;
                publishRaw(BLOCK + "/" + t.row() + "." + t.column(), CoMomentsCodec.encodeFloat64(new CoMomentsTile(WIDTH, TILE,
                        t.row(), t.column(), t.count(), t.rowMeans(), t.columnMeans(), v)), offsetsB);
            } else {
                publishRaw(BLOCK + "/" + t.row() + "." + t.column(), CoMomentsCodec.encode(t), offsetsB);
            }
        }
        publish(CoMoments.empty(WIDTH).addBatch(c, 33).tiles(TILE), "[{\"p\":0,\"from\":20,\"to\":30}]");
        driver.advanceWallClockTime(EMIT);

        List<String> reasons = dlq.readRecordsToList().stream()
                .map(r -> VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON)).toList();
        assertEquals(List.of(TileValidator.SIBLING_REFUSED, TileValidator.SIBLING_REFUSED, TileValidator.SIBLING_REFUSED,
                "NON_FINITE", TileValidator.SIBLING_REFUSED, TileValidator.SIBLING_REFUSED).stream().sorted().toList(),
                reasons.stream().sorted().toList(), "all six of B's tiles, once each");
        Map<String, CoMomentsTile> latest = emitted();
        assertEquals(6, latest.size());
        latest.values().forEach(t -> assertEquals(73, t.count(), "A + C"));
        CoMoments expected = CoMoments.empty(WIDTH).addBatch(a, 40).addBatch(c, 33);
        CoMoments streamed = CoMoments.fromTiles(new ArrayList<>(latest.values()));
        for (int i = 0; i < WIDTH; i += 11) {
            for (int j = i; j < WIDTH; j += 5) {
                double scale = Math.sqrt(expected.coMoment(i, i) * expected.coMoment(j, j));
                assertEquals(expected.coMoment(i, j), streamed.coMoment(i, j), 1e-6 * scale, "C[" + i + "][" + j + "]");
            }
        }
        assertEquals(0, awaiting.get(awaiting.size() - 1), "no block waits");
        KeyValueStore<String, byte[]> summaries = driver.getKeyValueStore(CoMomentsMergeProcessor.SUMMARY_STORE);
        BlockSummary summary = BlockSummary.decode(summaries.get(BLOCK));
        assertEquals(new BlockSummary(WIDTH, TILE, 73, 2, summary.lastMergedAt()), summary,
                "the block's summary: what a query answers without reading a tile");
        assertEquals(6, summary.expectedTiles());
    }

    /** A delta whose tiles never all arrive is dead-lettered after the retention grace; the block goes on. */
    @Test
    void aDeltaThatNeverCompletesIsDeadLetteredAfterTheGrace() {
        Random rnd = new Random(13);
        List<CoMomentsTile> partial = CoMoments.empty(WIDTH).addBatch(batch(rnd, 20), 20).tiles(TILE);
        publish(partial.subList(0, 4), "[{\"p\":0,\"from\":0,\"to\":5}]");
        driver.advanceWallClockTime(EMIT);
        assertEquals(1, awaiting.get(awaiting.size() - 1), "a block waits for the rest of a delta");
        driver.advanceWallClockTime(AggregatorTopology.Retention.DEFAULT.grace().plus(AggregatorTopology.Retention.DEFAULT.checkInterval()));
        List<String> reasons = dlq.readRecordsToList().stream()
                .map(r -> VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON)).toList();
        assertEquals(java.util.Collections.nCopies(4, TileValidator.INCOMPLETE_DELTA), reasons);
        publish(CoMoments.empty(WIDTH).addBatch(batch(rnd, 30), 30).tiles(TILE), "[{\"p\":0,\"from\":5,\"to\":9}]");
        driver.advanceWallClockTime(EMIT);
        Map<String, CoMomentsTile> latest = emitted();
        assertEquals(6, latest.size());
        latest.values().forEach(t -> assertEquals(30, t.count()));
        assertEquals(0, awaiting.get(awaiting.size() - 1));
    }

    @Test
    void everyKindOfBadTileIsDeadLetteredAndTheStoreIsUntouched() {
        Random rnd = new Random(10);
        List<CoMomentsTile> good = CoMoments.empty(WIDTH).addBatch(batch(rnd, 40), 40).tiles(TILE);
        send(good);
        CoMomentsTile diagonal = good.get(0);
        double[] nan = diagonal.values().clone();
        nan[7] = Double.NaN;
        double[] notPsd = diagonal.values().clone();
        int t = diagonal.rows();
        notPsd[1] = notPsd[t] = 10 * Math.sqrt(notPsd[0] * notPsd[t + 1]); // symmetric, but |C01| > sqrt(C00 C11)
        CoMomentsTile otherWidth = CoMoments.empty(200).addBatch(batch200(), 3).tiles(TILE).get(2); // tile 1.1 of width 200
        CoMomentsTile empty = new CoMomentsTile(WIDTH, TILE, 0, 0, 0, new double[t], new double[t], new double[t * t]);
        List<Map.Entry<String, byte[]>> bad = new ArrayList<>();
        bad.add(Map.entry("not-a-key", CoMomentsCodec.encode(diagonal)));
        bad.add(Map.entry(BLOCK + "/0.0#garbage", CoMomentsCodec.encode(diagonal)));
        bad.add(Map.entry(BLOCK + "/0.1", CoMomentsCodec.encode(diagonal)));
        bad.add(Map.entry(BLOCK + "/0.0", new byte[] {1, 2, 3}));
        // a NaN cannot be written in the current version; an old float64 record can carry one
        bad.add(Map.entry(BLOCK + "/1.1", CoMomentsCodec.encodeFloat64(new CoMomentsTile(WIDTH, TILE, 1, 1, 40, diagonal.rowMeans(),
                diagonal.columnMeans(), nan))));
        bad.add(Map.entry(BLOCK + "/1.1", CoMomentsCodec.encode(otherWidth)));
        bad.add(Map.entry(BLOCK + "/0.0 ", CoMomentsCodec.encode(diagonal)));
        List<String> expected = new ArrayList<>(List.of(TileValidator.BAD_KEY, TileValidator.BAD_KEY,
                TileValidator.KEY_MISMATCH, "TRUNCATED", "NON_FINITE", TileValidator.WIDTH_MISMATCH, TileValidator.BAD_KEY));
        bad.forEach(e -> in.pipeInput(e.getKey(), e.getValue()));
        in.pipeInput(BLOCK + "/0.0", CoMomentsCodec.encode(new CoMomentsTile(WIDTH, TILE, 0, 0, 40, diagonal.rowMeans(),
                diagonal.columnMeans(), notPsd)));
        expected.add(TileValidator.NOT_PSD);
        in.pipeInput(BLOCK + "/0.0", CoMomentsCodec.encode(empty));
        expected.add(TileValidator.ZERO_COUNT);
        in.pipeInput(BLOCK + "/0.0", null);
        expected.add("TRUNCATED");
        assertEquals(expected, rejected);
        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertEquals(expected.size(), dead.size());
        for (int i = 0; i < dead.size(); i++) {
            assertEquals(expected.get(i), VbpHeaders.get(dead.get(i).headers(), VbpHeaders.DLQ_REASON));
            assertTrue(VbpHeaders.get(dead.get(i).headers(), VbpHeaders.DLQ_DETAIL).length() > 5);
        }
        driver.advanceWallClockTime(EMIT);
        Map<String, CoMomentsTile> latest = emitted();
        assertEquals(6, latest.size(), "the good tiles still make a consistent block");
        CoMoments expectedMatrix = CoMoments.fromTiles(good);
        CoMoments streamed = CoMoments.fromTiles(new ArrayList<>(latest.values()));
        for (int i = 0; i < WIDTH; i += 13) {
            for (int j = i; j < WIDTH; j += 7) {
                assertEquals((float) expectedMatrix.coMoment(i, j), streamed.coMoment(i, j), 0.0,
                        "untouched by the bad tiles (each good tile stored once, in float32)");
            }
        }
        assertNull(store.get("not-a-key"));
        assertEquals(CoMomentsKey.parse(BLOCK + "/0.0").toString(), BLOCK + "/0.0");
    }

    private static float[] batch200() {
        float[] data = new float[200 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 7;
        }
        return data;
    }

    /**
     * Deltas that are each valid but whose merge with the stored totals would overflow (a count near Long.MAX_VALUE,
     * co-moments that add up beyond float32) are dead-lettered, the offending tile as OVERFLOW and its delta's other
     * tiles with it; the stored totals stay readable.
     */
    @Test
    void aMergeThatWouldOverflowIsDeadLetteredAndTheStoreKeepsItsTotals() {
        List<CoMomentsTile> tiles = CoMoments.empty(WIDTH).addBatch(batch(new Random(5), 10), 10).tiles(TILE);
        List<CoMomentsTile> counted = tiles.stream().map(t -> new CoMomentsTile(WIDTH, TILE, t.row(), t.column(),
                Long.MAX_VALUE - 5, t.rowMeans(), t.columnMeans(), t.values())).toList();
        send(counted);
        send(counted);
        assertEquals(1, rejected.stream().filter(DeltaValidator.OVERFLOW::equals).count(), "the count would overflow");
        assertEquals(5, rejected.stream().filter(TileValidator.SIBLING_REFUSED::equals).count());
        assertEquals(Long.MAX_VALUE - 5, store.get(BLOCK + "/0.1").tile().count());
        rejected.clear();
        String other = "fmnist-vit/base/mlp1";
        List<CoMomentsTile> huge = tiles.stream().map(t -> t.row() == 0 && t.column() == 2
                ? new CoMomentsTile(WIDTH, TILE, 0, 2, 10, t.rowMeans(), t.columnMeans(), fill(t.values().length, 3e38)) : t).toList();
        send(other, huge);
        send(other, huge);
        assertEquals(List.of(DeltaValidator.OVERFLOW), rejected.stream().filter(r -> !r.equals(TileValidator.SIBLING_REFUSED)).toList(),
                "6e38 is beyond float32");
        assertEquals(10, store.get(other + "/0.2").tile().count(), "the first one is stored and still readable");
        assertEquals(10, store.get(other + "/1.1").tile().count(), "and so are its siblings, once");
        assertEquals(12, dlq.readRecordsToList().size(), "both refused deltas, whole");
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void storeValuesRoundTripAndRefuseForeignBytes() {
        CoMomentsTile t = CoMoments.empty(WIDTH).addBatch(batch(new Random(3), 10), 10).tiles(TILE).get(1);
        RunningTile r = new RunningTile(t, 7, 1234L);
        RunningTile back = RunningTile.decode(r.encode());
        assertEquals(7, back.deltas());
        assertEquals(1234L, back.lastMergedAt());
        assertEquals(t.count(), back.tile().count());
        for (int i = 0; i < t.values().length; i++) {
            assertEquals((float) t.values()[i], back.tile().values()[i], 0.0, "stored in float32");
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> RunningTile.decode(new byte[40]));
    }
}
