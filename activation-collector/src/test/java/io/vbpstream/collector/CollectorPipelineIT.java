package io.vbpstream.collector;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
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
 * The collector against a real broker: good images give the predictions {@code vbp eval} gives and the moments
 * {@code vbp stats} gives; every kind of bad input is dead-lettered with its reason while the good ones around it
 * are still processed.
 */
class CollectorPipelineIT {

    private static final int GOOD = 600;
    private static CollectorTestBed bed;
    private static ServiceProcess collector;
    private static final Map<String, String> BAD = new HashMap<>();

    @BeforeAll
    static void run() throws Exception {
        bed = CollectorTestBed.create();
        ArtifactRef model = bed.put(CollectorTestBed.MODEL);
        Map<String, String> settings = bed.settings(model, "base", "pipeline-it");
        settings.put("vbp.collector.limits.max-bytes", "200000");
        settings.put("vbp.collector.limits.max-pixels", "1000000");
        // publications at 125, 250 and 500 images (16 tokens each), the rest once it is 3 s old
        settings.put("vbp.collector.covariance.first-publication", String.valueOf(125 * CollectorTestBed.SAMPLED_TOKENS));
        settings.put("vbp.collector.covariance.max-interval", "3s");
        collector = bed.startCollector(settings, "collector.log");

        bed.sendImages(0, GOOD / 2);
        sendBadImages();
        bed.sendImages(GOOD / 2, GOOD / 2);
        TopicReader.awaitRecords(bed.bootstrap(), Topic.PREDICTIONS.topicName(), r -> r.size() >= GOOD, Duration.ofSeconds(120));
        TopicReader.awaitRecords(bed.bootstrap(), Topic.IMAGES_DLQ.topicName(), r -> r.size() >= BAD.size(), Duration.ofSeconds(30));
        TopicReader.awaitRecords(bed.bootstrap(), Topic.ACTIVATION_COMOMENTS.topicName(), r -> r.stream()
                .filter(t -> t.key().endsWith("/mlp0/0.0"))
                .mapToLong(t -> Long.parseLong(VbpHeaders.get(t.headers(), VbpHeaders.IMAGES))).sum() >= GOOD,
                Duration.ofSeconds(60));
    }

    /** One record per kind of bad input, keyed by the reason it must be dead-lettered with. */
    private static void sendBadImages() throws Exception {
        bed.send("bad-undecodable", "this is not an image".getBytes(), "image/png", null);
        BAD.put("bad-undecodable", "UNDECODABLE");
        byte[] png = bed.png(0);
        bed.send("bad-truncated", java.util.Arrays.copyOf(png, png.length / 2), "image/png", null);
        BAD.put("bad-truncated", "UNDECODABLE");
        bed.send("bad-empty", new byte[0], "image/png", null);
        BAD.put("bad-empty", "UNDECODABLE");
        bed.send("bad-content-type", png, "image/gif", null);
        BAD.put("bad-content-type", "UNSUPPORTED_CONTENT_TYPE");
        bed.send("bad-too-many-bytes", encode(noise(400, 400, BufferedImage.TYPE_INT_RGB), "png"), "image/png", null);
        BAD.put("bad-too-many-bytes", "TOO_LARGE_BYTES");
        // a decompression bomb: 8000 x 8000 pixels of one colour in a few kilobytes; only its header may be read
        byte[] bomb = encode(new BufferedImage(8000, 8000, BufferedImage.TYPE_BYTE_BINARY), "png");
        assertTrue(bomb.length < 100_000, "bomb of " + bomb.length + " bytes");
        bed.send("bad-bomb", bomb, "image/png", null);
        BAD.put("bad-bomb", "TOO_LARGE_PIXELS");
        bed.send("bad-channels", encode(grayWithAlpha(28, 28), "png"), "image/png", null);
        BAD.put("bad-channels", "WRONG_CHANNELS");
        // issue 15, scenario 1: good images whose prediction (which copies the key, or the label) would outgrow
        // predictions' 1 MiB: the broker refused it, the window aborted, and the same record aborted every later
        // window of its partition; the good images after them are in the second half sent
        String longKey = "bad-key-" + "k".repeat(700_000);
        bed.send(longKey, png, "image/png", "0");
        BAD.put(longKey.substring(0, 256), "KEY_TOO_LARGE");
        bed.send("bad-label", png, "image/png", "9".repeat(1_100_000));
        BAD.put("bad-label", "HEADER_TOO_LARGE");
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
    void predictionsMatchOfflineInferenceForEveryGoodImage() throws Exception {
        List<ConsumerRecord<String, byte[]>> records = bed.read(Topic.PREDICTIONS);
        assertEquals(GOOD, records.size(), "one prediction per good image, none for bad ones");
        float[][] logits = offlineLogits();
        Set<String> keys = new HashSet<>();
        int correct = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            Prediction p = Prediction.read(r.value());
            assertTrue(keys.add(r.key()), "duplicate prediction for " + r.key());
            assertEquals(r.key(), p.key());
            int i = Integer.parseInt(r.key().substring(4));
            int expected = argmax(logits[i]);
            assertEquals(expected, p.top().get(0).index(), "top-1 of " + r.key());
            assertEquals(3, p.top().size());
            assertEquals(softmax(logits[i])[expected], p.top().get(0).score(), 1e-5, "score of " + r.key());
            assertEquals("fmnist-vit", p.model());
            assertEquals("base", p.version());
            assertEquals(Integer.toString(bed.label(i)), p.label());
            assertTrue(p.inferenceMs() > 0 && p.batchSize() >= 1);
            correct += p.top().get(0).index() == bed.label(i) ? 1 : 0;
        }
        assertTrue(correct > 0.8 * GOOD, "accuracy " + correct + "/" + GOOD);
    }

    @Test
    void momentsEqualOfflineStatisticsOfTheSameImages() throws Exception {
        Map<MomentsKey, Moments> streamed = bed.mergedMoments();
        Map<String, Moments> offline = bed.offlineMoments(CollectorTestBed.MODEL, IntStream.range(0, GOOD).boxed().toList());
        assertEquals(6, offline.size());
        assertEquals(offline.size(), streamed.size(), "one key per block: " + streamed.keySet());
        for (Map.Entry<String, Moments> e : offline.entrySet()) {
            Moments s = streamed.get(new MomentsKey("fmnist-vit", "base", e.getKey()));
            assertNotNull(s, "no moments for " + e.getKey());
            assertEquals((long) GOOD * CollectorTestBed.TOKENS, s.count());
            CollectorTestBed.assertMomentsEqual(e.getKey(), e.getValue(), s, 1e-9);
        }
    }

    @Test
    void coMomentsAreTheEstimatorOverEveryImageOnceAtDoublingPublications() throws Exception {
        // no window aborted here: the publications claim every good image once, and their tiles are exactly the
        // estimator's co-moments over those images' sampled tokens
        Map<MomentsKey, List<CollectorTestBed.Sampled>> claimed = bed.claimedImages();
        Map<MomentsKey, CoMoments> streamed = bed.mergedCoMoments();
        assertEquals(streamed.keySet(), claimed.keySet());
        assertEquals(bed.mergedMoments().keySet(), streamed.keySet(), "one matrix per block");
        for (Map.Entry<MomentsKey, List<CollectorTestBed.Sampled>> e : claimed.entrySet()) {
            assertEquals(GOOD, e.getValue().size(), e.getKey() + ": every good image claimed once");
            Map<String, CoMoments> offline = bed.offlineSampledCoMoments(CollectorTestBed.MODEL, e.getValue(), CollectorTestBed.SAMPLED_TOKENS);
            CoMoments s = streamed.get(e.getKey());
            assertEquals((long) GOOD * CollectorTestBed.SAMPLED_TOKENS, s.count(), CollectorTestBed.SAMPLED_TOKENS + " of the 50 tokens of each image");
            CollectorTestBed.assertCoMomentsClose(e.getKey().toString(), offline.get(e.getKey().block()), s, 1e-4);
        }
        double publications = collector.metric("vbp_collector_comoments_publications_total{model=\"fmnist-vit\",version=\"base\"}");
        // the first at 125 images or more, the next once as many more were gathered as published, the rest when it
        // is 3 s old: windows of up to 256 images make that 3 or 4 publications
        assertTrue(publications >= 2 && publications <= 5, publications + " publications");
        List<ConsumerRecord<String, byte[]>> tiles = bed.read(Topic.ACTIVATION_COMOMENTS);
        for (MomentsKey block : claimed.keySet()) {
            assertEquals(publications, tiles.stream().filter(t -> t.key().equals(block + "/0.0")).count(),
                    block + ": one first tile per publication");
        }
        assertEquals(tiles.size(), collector.metric("vbp_collector_comoments_tiles_total{model=\"fmnist-vit\",version=\"base\"}"));
        assertEquals(GOOD * (double) CollectorTestBed.SAMPLED_TOKENS, collector.metric("vbp_collector_comoments_samples_total{model=\"fmnist-vit\",version=\"base\"}"));
        assertTrue(collector.metric("vbp_collector_comoments_batches_total") >= GOOD / 32.0);
    }

    @Test
    void momentsDeltasListTheOffsetsTheyCover() {
        long images = 0;
        long covered = 0;
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.ACTIVATION_MOMENTS)) {
            if (!r.key().endsWith("/mlp0")) {
                continue;
            }
            images += Long.parseLong(VbpHeaders.get(r.headers(), VbpHeaders.IMAGES));
            String offsets = VbpHeaders.get(r.headers(), VbpHeaders.OFFSETS);
            assertNotNull(offsets);
            for (String range : offsets.split("\\},\\{")) {
                long from = Long.parseLong(range.replaceAll(".*\"from\":(\\d+).*", "$1"));
                long to = Long.parseLong(range.replaceAll(".*\"to\":(\\d+).*", "$1"));
                covered += to - from + 1;
            }
            assertEquals("pipeline-it", VbpHeaders.get(r.headers(), VbpHeaders.COLLECTOR));
        }
        assertEquals(GOOD, images);
        // bad records are consumed (and committed) in the same windows, so the ranges cover at least every good image
        assertTrue(covered >= GOOD && covered <= GOOD + BAD.size(), "offset ranges cover " + covered);
    }

    @Test
    void everyKindOfBadInputIsDeadLetteredWithItsReason() throws Exception {
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.IMAGES_DLQ)) {
            reasons.put(r.key(), VbpHeaders.get(r.headers(), VbpHeaders.DLQ_REASON));
            assertNotNull(VbpHeaders.get(r.headers(), VbpHeaders.DLQ_DETAIL));
            assertEquals(Topic.IMAGES.topicName(), VbpHeaders.get(r.headers(), VbpHeaders.DLQ_TOPIC));
        }
        assertEquals(BAD, reasons);
        for (String reason : new HashSet<>(BAD.values())) {
            long expected = BAD.values().stream().filter(reason::equals).count();
            assertEquals(expected, collector.metric("vbp_collector_dead_letters_total{reason=\"" + reason + "\"}"), reason);
        }
        assertEquals(GOOD, collector.metric("vbp_collector_images_total{model=\"fmnist-vit\",version=\"base\"}"));
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        var ready = collector.get("/q/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("fmnist-vit/base"));
        assertEquals(200, collector.get("/q/health/live").statusCode());
        String metrics = collector.get("/q/metrics").body();
        assertTrue(metrics.contains("vbp_collector_inference_seconds_bucket"), "latency histogram");
        assertTrue(metrics.contains("vbp_collector_batch_size_count"));
        assertTrue(metrics.contains("vbp_collector_serving_model_info{application=\"activation-collector\",model=\"fmnist-vit\""));
        assertTrue(collector.metric("vbp_collector_moments_deltas_total{model=\"fmnist-vit\",version=\"base\"}") >= 6);
        assertEquals(0.0, collector.metric("vbp_collector_transactions_total{outcome=\"aborted\"}"), "no transaction was aborted");
    }

    private static float[][] offlineLogits() throws Exception {
        ModelProto proto = OnnxModels.read(CollectorTestBed.MODEL).model();
        Preprocessor pre = new Preprocessor(ModelCard.read(CollectorTestBed.CARD).input());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        List<float[]> out = new ArrayList<>();
        try (ModelSession s = new ModelSession(proto)) {
            for (int from = 0; from < GOOD; from += 100) {
                float[] data = new float[100 * pre.size()];
                for (int k = 0; k < 100; k++) {
                    pre.image(decoder.decode(bed.png(from + k), "image/png"), data, k * pre.size());
                }
                out.addAll(List.of(s.logits(data, new long[]{100, 1, 28, 28})));
            }
        }
        return out.toArray(new float[0][]);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }

    private static double[] softmax(float[] v) {
        double max = v[argmax(v)];
        double[] p = new double[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            p[i] = Math.exp(v[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < v.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static BufferedImage noise(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        java.util.Random rnd = new java.util.Random(42);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        return img;
    }

    /** A two-channel (gray + alpha) image: neither the gray nor the RGB a model card can ask for. */
    private static BufferedImage grayWithAlpha(int w, int h) {
        return javax.imageio.ImageTypeSpecifier.createInterleaved(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY), new int[]{0, 1},
                java.awt.image.DataBuffer.TYPE_BYTE, true, false).createBufferedImage(w, h);
    }

    private static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }
}
