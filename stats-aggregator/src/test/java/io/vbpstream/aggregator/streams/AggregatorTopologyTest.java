package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
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

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregatorTopologyTest {

    private static final String KEY = "fmnist-vit/base/mlp0";
    private static final Duration EMIT = Duration.ofSeconds(2);

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> in;
    private TestOutputTopic<String, byte[]> statistics;
    private TestOutputTopic<String, byte[]> dlq;
    private KeyValueStore<String, RunningMoments> store;
    private final List<String> rejected = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("aggregator-test").toString());
        driver = new TopologyTestDriver(AggregatorTopology.moments(EMIT, AggregatorTopology.Retention.DEFAULT, new MergeListener() {
            @Override
            public void merged(io.vbpstream.platform.MomentsKey key, RunningMoments totals, long lagMs) {
            }

            @Override
            public void rejected(String reason) {
                rejected.add(reason);
            }
        }), p);
        in = driver.createInputTopic(Topic.ACTIVATION_MOMENTS.topicName(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        statistics = driver.createOutputTopic(Topic.LAYER_STATISTICS.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        dlq = driver.createOutputTopic(Topic.ACTIVATION_MOMENTS_DLQ.topicName(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        store = driver.getKeyValueStore(MomentsMergeProcessor.STORE);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void mergedDeltasEqualATwoPassReferenceOverAllSamples() {
        Random rnd = new Random(20251);
        int width = 64;
        List<double[]> samples = new ArrayList<>();
        int deltas = 0;
        for (int d = 0; d < 40; d++) {
            int rows = 1 + rnd.nextInt(300);
            float[] batch = new float[rows * width];
            for (int r = 0; r < rows; r++) {
                double[] s = new double[width];
                for (int j = 0; j < width; j++) {
                    // shifted, scaled and skewed per neuron, as GELU outputs are
                    batch[r * width + j] = (float) (j * 0.5 + Math.exp(rnd.nextGaussian() * (1 + j % 3)) * 0.1);
                    s[j] = batch[r * width + j];
                }
                samples.add(s);
            }
            in.pipeInput(KEY, MomentsCodec.encode(Moments.empty(width).addBatch(batch, rows)));
            deltas++;
        }
        RunningMoments r = store.get(KEY);
        assertEquals(samples.size(), r.moments().count());
        assertEquals(deltas, r.deltas());
        for (int j = 0; j < width; j++) {
            double mean = 0;
            for (double[] s : samples) {
                mean += s[j];
            }
            mean /= samples.size();
            double m2 = 0;
            for (double[] s : samples) {
                m2 += (s[j] - mean) * (s[j] - mean);
            }
            assertEquals(mean, r.moments().mean(j), 1e-12 * Math.abs(mean) + 1e-15, "mean " + j);
            assertEquals(m2 / samples.size(), r.moments().variance()[j], 1e-10 * (m2 / samples.size()), "variance " + j);
        }
        assertTrue(dlq.isEmpty());
    }

    @Test
    void totalsAreEmittedAtMostOncePerIntervalPerKey() {
        Moments m = Moments.of(10, new double[]{1, 2}, new double[]{3, 4});
        for (int i = 0; i < 5; i++) {
            in.pipeInput(KEY, MomentsCodec.encode(m));
            in.pipeInput("fmnist-vit/base/mlp1", MomentsCodec.encode(m));
        }
        assertTrue(statistics.isEmpty(), "nothing before the interval passes");
        driver.advanceWallClockTime(EMIT);
        List<TestRecord<String, byte[]>> out = statistics.readRecordsToList();
        assertEquals(2, out.size(), "one record per key for five deltas each");
        TestRecord<String, byte[]> a = out.stream().filter(r -> r.key().equals(KEY)).findFirst().orElseThrow();
        assertEquals("5", VbpHeaders.get(a.headers(), VbpHeaders.DELTAS));
        Moments emitted = MomentsCodec.decode(a.value());
        assertEquals(50, emitted.count());
        assertArrayEquals(new double[]{1, 2}, emitted.mean(), 1e-15);
        driver.advanceWallClockTime(EMIT);
        assertTrue(statistics.isEmpty(), "unchanged keys are not emitted again");
        in.pipeInput(KEY, MomentsCodec.encode(m));
        driver.advanceWallClockTime(EMIT);
        assertEquals(List.of(KEY), statistics.readRecordsToList().stream().map(TestRecord::key).toList());
    }

    @Test
    void everyKindOfBadDeltaIsDeadLetteredAndTheStoreIsUntouched() {
        Moments good = Moments.of(4, new double[]{1, 2, 3}, new double[]{1, 1, 1});
        in.pipeInput(KEY, MomentsCodec.encode(good));
        byte[] before = store.get(KEY).encode();

        byte[] unknownVersion = MomentsCodec.encode(good);
        unknownVersion[4] = 9;
        byte[] nan = MomentsCodec.encode(good);
        ByteBuffer.wrap(nan).putDouble(17 + 8, Double.NaN);
        byte[] inf = MomentsCodec.encode(good);
        ByteBuffer.wrap(inf).putDouble(17 + 3 * 8, Double.POSITIVE_INFINITY);
        byte[] negativeM2 = MomentsCodec.encode(good);
        ByteBuffer.wrap(negativeM2).putDouble(17 + 4 * 8, -0.5);
        byte[] zeroCount = MomentsCodec.encode(good);
        ByteBuffer.wrap(zeroCount).putLong(9, 0);
        byte[] wrongWidth = MomentsCodec.encode(Moments.of(4, new double[]{1, 2}, new double[]{1, 1}));
        byte[] truncated = java.util.Arrays.copyOf(MomentsCodec.encode(good), 30);

        List<String[]> cases = List.of(
                new String[]{"UNKNOWN_VERSION", KEY}, new String[]{"NON_FINITE", KEY}, new String[]{"NON_FINITE", KEY},
                new String[]{"NEGATIVE_M2", KEY}, new String[]{"ZERO_COUNT", KEY}, new String[]{"WIDTH_MISMATCH", KEY},
                new String[]{"TRUNCATED", KEY}, new String[]{"BAD_KEY", "not-a-key"}, new String[]{"BAD_KEY", "a/b/../c"});
        List<byte[]> values = List.of(unknownVersion, nan, inf, negativeM2, zeroCount, wrongWidth, truncated,
                MomentsCodec.encode(good), MomentsCodec.encode(good));
        for (int i = 0; i < cases.size(); i++) {
            in.pipeInput(cases.get(i)[1], values.get(i));
        }
        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertEquals(cases.size(), dead.size());
        for (int i = 0; i < cases.size(); i++) {
            assertEquals(cases.get(i)[0], VbpHeaders.get(dead.get(i).headers(), VbpHeaders.DLQ_REASON), "case " + i);
            assertArrayEquals(values.get(i), dead.get(i).value(), "the payload is kept as it came");
            assertTrue(VbpHeaders.get(dead.get(i).headers(), VbpHeaders.DLQ_DETAIL).length() > 5);
        }
        assertEquals(cases.stream().map(c -> c[0]).toList(), rejected);
        assertArrayEquals(before, store.get(KEY).encode(), "no bad delta touched the store");
        assertNull(store.get("not-a-key"));

        in.pipeInput(KEY, MomentsCodec.encode(good));
        assertEquals(8, store.get(KEY).moments().count(), "processing continues after bad input");
        assertEquals(2, store.get(KEY).deltas());
    }

    /**
     * Issue 15, scenario 3: deltas valid on their own whose merge would overflow (a count past Long.MAX_VALUE; M2 of
     * 1e308 twice, which adds up to infinity) are dead-lettered as OVERFLOW before anything is stored, so no later read
     * of the key (or restore) trips over them, and the next good delta merges.
     */
    @Test
    void aMergeThatWouldOverflowIsDeadLetteredAndTheNextGoodDeltaMerges() {
        Moments good = Moments.of(10, new double[]{1, 2}, new double[]{3, 4});
        in.pipeInput(KEY, MomentsCodec.encode(good));
        in.pipeInput(KEY, MomentsCodec.encode(Moments.of(Long.MAX_VALUE - 5, new double[]{1, 2}, new double[]{3, 4})));
        String other = "fmnist-vit/base/mlp1";
        byte[] huge = MomentsCodec.encode(Moments.of(10, new double[]{1, 2}, new double[]{1e308, 1e308}));
        in.pipeInput(other, huge);
        in.pipeInput(other, huge);
        byte[] farApart = MomentsCodec.encode(Moments.of(10, new double[]{-1e308, 2}, new double[]{3, 4}));
        in.pipeInput(KEY, farApart); // (mean difference)² overflows M2
        in.pipeInput(KEY, MomentsCodec.encode(good));

        assertEquals(List.of(DeltaValidator.OVERFLOW, DeltaValidator.OVERFLOW, DeltaValidator.OVERFLOW), rejected);
        List<TestRecord<String, byte[]>> dead = dlq.readRecordsToList();
        assertEquals(3, dead.size());
        dead.forEach(r -> assertEquals(DeltaValidator.OVERFLOW, VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON)));
        assertEquals(20, store.get(KEY).moments().count(), "both good deltas, nothing else");
        assertEquals(10, store.get(other).moments().count());
        assertTrue(Double.isFinite(store.get(other).moments().m2(0)));
        driver.advanceWallClockTime(EMIT);
        statistics.readRecordsToList().forEach(r -> assertTrue(MomentsCodec.decode(r.value()).count() > 0,
                "every emitted total decodes"));
    }

    /**
     * With the aggregator's {@code processing.exception.handler}, an exception a processor did not expect skips that
     * record (counted) instead of stopping the stream thread: the next delta merges.
     */
    @Test
    void anUnexpectedProcessingExceptionSkipsOneRecordNotTheStreamThread() throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "aggregator-handler-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("aggregator-handler-test").toString());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, SkipFailedRecords.class.getName());
        List<Long> merged = new ArrayList<>();
        try (TopologyTestDriver d = new TopologyTestDriver(AggregatorTopology.build(EMIT, new MergeListener() {
            @Override
            public void merged(io.vbpstream.platform.MomentsKey key, RunningMoments totals, long lagMs) {
                if (merged.isEmpty()) {
                    merged.add(-1L);
                    throw new IllegalStateException("a bug that only the first delta meets");
                }
                merged.add(totals.moments().count());
            }

            @Override
            public void rejected(String reason) {
            }
        }), p)) {
            TestInputTopic<String, byte[]> input = d.createInputTopic(Topic.ACTIVATION_MOMENTS.topicName(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            long before = SkipFailedRecords.skipped();
            Moments m = Moments.of(10, new double[]{1, 2}, new double[]{3, 4});
            input.pipeInput(KEY, MomentsCodec.encode(m));
            input.pipeInput(KEY, MomentsCodec.encode(m));
            assertEquals(before + 1, SkipFailedRecords.skipped());
            assertEquals(List.of(-1L, 20L), merged, "the stream thread went on to the next delta");
        }
    }

    @Test
    void storeValuesRoundTripAndRefuseForeignBytes() {
        RunningMoments r = new RunningMoments(Moments.of(3, new double[]{0.5}, new double[]{2}), 7, 1234);
        RunningMoments back = RunningMoments.decode(r.encode());
        assertEquals(7, back.deltas());
        assertEquals(1234, back.lastMergedAt());
        assertEquals(r.moments(), back.moments());
        assertThrowsIllegalState(() -> RunningMoments.decode(MomentsCodec.encode(r.moments())));
        assertThrowsIllegalState(() -> RunningMoments.decode(new byte[3]));
    }

    private static void assertThrowsIllegalState(Runnable r) {
        try {
            r.run();
        } catch (IllegalStateException expected) {
            return;
        }
        throw new AssertionError("expected IllegalStateException");
    }
}
