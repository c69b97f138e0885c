package io.vbpstream.collector.pipeline;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowRecordsTest {

    private static final String SHA = "ab".repeat(32);
    private static final ModelVersion V = ModelVersion.of("vit", "g2", "vbp-store:sha256/" + SHA + ".onnx", SHA, "g1",
            2, Instant.EPOCH.toString());
    private static final List<OffsetRange> OFFSETS = List.of(new OffsetRange("images", 0, 10, 41),
            new OffsetRange("images", 3, 7, 9));
    private final WindowRecords records = new WindowRecords("collector-7", 3, ImageIntake.RecordLimits.DEFAULT);

    @Test
    void aWindowGivesOneMomentsDeltaPerBlockWithTheFourDeltaHeaders() {
        Random rnd = new Random(5);
        Map<String, Moments> blocks = new LinkedHashMap<>();
        blocks.put("mlp0", moments(rnd, 6));
        blocks.put("mlp1", moments(rnd, 4));
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();

        assertEquals(2, records.momentsDeltas(V, 34, OFFSETS, blocks, out::add));

        assertEquals(2, out.size());
        for (int i = 0; i < 2; i++) {
            ProducerRecord<String, byte[]> r = out.get(i);
            String block = "mlp" + i;
            assertEquals(Topic.ACTIVATION_MOMENTS.topicName(), r.topic());
            assertNull(r.partition(), "moments deltas go by their key's hash");
            assertEquals("vit/g2/" + block, r.key());
            Moments back = MomentsCodec.decode(r.value());
            assertEquals(blocks.get(block).count(), back.count());
            assertArrayEquals(blocks.get(block).mean(), back.mean());
            assertDeltaHeaders(r, 34);
        }
    }

    @Test
    void aPublicationGivesEveryTileOfEveryBlockToItsBlocksPartition() {
        Random rnd = new Random(9);
        Map<String, CoMoments> blocks = new LinkedHashMap<>();
        blocks.put("mlp0", coMoments(rnd, 5, 40));
        blocks.put("mlp1", coMoments(rnd, 3, 40));
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();

        // width 5 in tiles of 2: a 3 x 3 grid, its upper triangle 6 tiles; width 3: 2 x 2, 3 tiles
        assertEquals(9, records.coMomentTiles(V, 40, OFFSETS, blocks, 2, 6, out::add));

        assertEquals(9, out.size());
        Map<String, List<CoMomentsTile>> byBlock = new LinkedHashMap<>();
        for (ProducerRecord<String, byte[]> r : out) {
            assertEquals(Topic.ACTIVATION_COMOMENTS.topicName(), r.topic());
            CoMomentsKey key = CoMomentsKey.parse(r.key());
            assertEquals(key.partition(6), r.partition(), r.key());
            assertEquals(new CoMomentsKey(key.block(), 0, 0).partition(6), r.partition(),
                    "all of a block's tiles go to one partition");
            CoMomentsTile tile = CoMomentsCodec.decode(r.value());
            assertEquals(key.row(), tile.row());
            assertEquals(key.column(), tile.column());
            assertDeltaHeaders(r, 40);
            byBlock.computeIfAbsent(key.block().block(), b -> new ArrayList<>()).add(tile);
        }
        Set<String> keys = new HashSet<>();
        out.forEach(r -> keys.add(r.key()));
        assertEquals(9, keys.size(), "no tile twice");
        for (Map.Entry<String, CoMoments> e : blocks.entrySet()) {
            CoMoments back = CoMoments.fromTiles(byBlock.get(e.getKey()));
            CoMoments sent = e.getValue();
            assertEquals(sent.count(), back.count());
            for (int i = 0; i < sent.width(); i++) {
                assertEquals(sent.mean(i), back.mean(i), 1e-12, e.getKey());
                for (int j = i; j < sent.width(); j++) {
                    // float32 tiles: the co-moments to float precision
                    assertEquals(sent.coMoment(i, j), back.coMoment(i, j), 1e-5 * Math.abs(sent.coMoment(i, j)) + 1e-6);
                }
            }
        }
    }

    @Test
    void aPredictionCarriesTheTopClassesTheLabelAndItsAgeFromTheImage() {
        RecordHeaders headers = new RecordHeaders();
        VbpHeaders.put(headers, VbpHeaders.LABEL, "3");
        ConsumerRecord<String, byte[]> image = image("img-1", new byte[] {1, 2}, headers, 1_000);
        float[] logits = {9, 9, 0.5f, 3, 1, 2, 7, 0};

        ProducerRecord<String, byte[]> r = records.prediction(image, V, logits, 2, 6, i -> "c" + i, 12.5, 8, 1_250);

        assertEquals(Topic.PREDICTIONS.topicName(), r.topic());
        assertEquals("img-1", r.key());
        Prediction p = Messages.read(r.value(), Prediction.class, Prediction.SCHEMA);
        assertEquals("vit", p.model());
        assertEquals("g2", p.version());
        assertEquals(List.of(4, 1, 3), p.top().stream().map(Prediction.Scored::index).toList(),
                "the row's own logits, best first, three of them");
        assertEquals("c4", p.top().get(0).label());
        assertEquals("3", p.label());
        assertEquals(250, p.latencyMs());
        assertEquals(new Prediction.Source("images", 2, 77), p.source());
        assertEquals(12.5, p.inferenceMs());
        assertEquals(8, p.batchSize());
    }

    @Test
    void aDeadLetterNamesItsReasonAndCoordinatesAndKeepsAPayloadThatFits() {
        RecordHeaders headers = new RecordHeaders();
        VbpHeaders.put(headers, VbpHeaders.LABEL, "1");
        ConsumerRecord<String, byte[]> image = image("bad", new byte[] {7, 7, 7}, headers, 0);

        ProducerRecord<String, byte[]> r = records.deadLetter(image, new ImageIntake.Refusal("UNDECODABLE", "not a PNG"));

        assertEquals(Topic.IMAGES_DLQ.topicName(), r.topic());
        assertEquals("bad", r.key());
        assertArrayEquals(new byte[] {7, 7, 7}, r.value());
        assertEquals("1", VbpHeaders.get(r.headers(), VbpHeaders.LABEL), "the original headers stay");
        assertEquals("UNDECODABLE", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON));
        assertEquals("not a PNG", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_DETAIL));
        assertEquals("images", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_TOPIC));
        assertEquals("2", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_PARTITION));
        assertEquals("77", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_OFFSET));
    }

    @Test
    void aDeadLetterIsCutToFitWhatTheRecordCarried() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(VbpHeaders.LABEL, new byte[ImageIntake.RecordLimits.DEFAULT.maxHeaderBytes() + 1]);
        String key = "k".repeat(ImageIntake.RecordLimits.DEFAULT.maxKeyBytes() + 1);
        byte[] payload = new byte[Topic.IMAGES_DLQ.maxMessageBytes() - WindowRecords.DLQ_HEADER_ROOM + 1];
        ConsumerRecord<String, byte[]> image = image(key, payload, headers, 0);

        ProducerRecord<String, byte[]> r = records.deadLetter(image,
                new ImageIntake.Refusal("KEY_TOO_LARGE", "x".repeat(5000)));

        assertEquals("k".repeat(WindowRecords.DLQ_KEY_CHARS), r.key());
        assertNull(r.value(), "a payload that cannot fit beside the headers stays in the images topic");
        assertNull(VbpHeaders.get(r.headers(), VbpHeaders.LABEL), "headers over the limit are left out");
        String detail = VbpHeaders.get(r.headers(), VbpHeaders.DLQ_DETAIL);
        assertEquals(WindowRecords.DLQ_DETAIL_CHARS + 3, detail.length());
        assertTrue(detail.endsWith("..."));
        assertEquals("KEY_TOO_LARGE", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON));
        assertEquals("77", VbpHeaders.get(r.headers(), VbpHeaders.DLQ_OFFSET));
    }

    private static void assertDeltaHeaders(ProducerRecord<String, byte[]> r, long images) {
        assertEquals(Long.toString(images), VbpHeaders.get(r.headers(), VbpHeaders.IMAGES));
        assertEquals(Messages.writeString(OFFSETS), VbpHeaders.get(r.headers(), VbpHeaders.OFFSETS));
        assertEquals("collector-7", VbpHeaders.get(r.headers(), VbpHeaders.COLLECTOR));
        assertEquals(SHA, VbpHeaders.get(r.headers(), VbpHeaders.MODEL_SHA256));
        assertEquals(4, r.headers().toArray().length);
    }

    private static ConsumerRecord<String, byte[]> image(String key, byte[] value, RecordHeaders headers, long timestamp) {
        return new ConsumerRecord<>("images", 2, 77, timestamp, TimestampType.CREATE_TIME,
                key.getBytes(StandardCharsets.UTF_8).length, value.length, key, value, headers, Optional.empty());
    }

    private static Moments moments(Random rnd, int width) {
        double[] mean = new double[width];
        double[] m2 = new double[width];
        for (int j = 0; j < width; j++) {
            mean[j] = rnd.nextGaussian();
            m2[j] = 1 + rnd.nextDouble();
        }
        return Moments.of(1 + rnd.nextInt(100), mean, m2);
    }

    private static CoMoments coMoments(Random rnd, int width, int rows) {
        double[][] x = new double[rows][width];
        double[] mean = new double[width];
        for (double[] row : x) {
            for (int j = 0; j < width; j++) {
                row[j] = rnd.nextGaussian();
                mean[j] += row[j] / rows;
            }
        }
        float[] gram = new float[width * width];
        for (double[] row : x) {
            for (int i = 0; i < width; i++) {
                for (int j = 0; j < width; j++) {
                    gram[i * width + j] += (float) ((row[i] - mean[i]) * (row[j] - mean[j]));
                }
            }
        }
        return CoMoments.ofBatch(rows, mean, gram);
    }
}
