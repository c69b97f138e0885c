package io.vbpstream.collector;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly once across real crashes: the collector is SIGKILLed twice mid-stream (no shutdown hook runs, its open
 * transaction is left hanging) and restarted each time with the same instance id. Afterwards the committed
 * predictions hold every image exactly once, and the moments summed from the topic equal an offline computation
 * over exactly the images sent.
 */
class CollectorCrashIT {

    private static final int IMAGES = 3000;
    private static CollectorTestBed bed;
    private static ServiceProcess collector;
    private static int[] committedAtKill = new int[2];

    @BeforeAll
    static void crashAndRecover() throws Exception {
        bed = CollectorTestBed.create();
        ArtifactRef model = bed.put(CollectorTestBed.MODEL);
        Map<String, String> settings = bed.settings(model, "base", "crash-it");
        // windows of 200 images: most of the time a transaction is open with work in it when the kill lands
        settings.put("vbp.collector.flush.images", "200");
        settings.put("vbp.collector.flush.interval", "30s");
        // co-moments published every 125 images or more (and when 5 s old): the kills land mid-accumulation, whose
        // samples are lost but must never be counted twice or claimed without being there
        settings.put("vbp.collector.covariance.first-publication", String.valueOf(125 * CollectorTestBed.SAMPLED_TOKENS));
        settings.put("vbp.collector.covariance.max-interval", "5s");
        bed.sendImages(0, IMAGES);

        int[] killAt = {600, 1800};
        for (int k = 0; k < killAt.length; k++) {
            collector = bed.startCollector(settings, "collector-" + k + ".log");
            int threshold = killAt[k];
            TopicReader.awaitRecords(bed.bootstrap(), Topic.PREDICTIONS.topicName(), r -> r.size() >= threshold,
                    Duration.ofSeconds(120));
            double processed = collector.metric("vbp_collector_images_total{model=\"fmnist-vit\",version=\"base\"}");
            collector.kill();
            committedAtKill[k] = bed.read(Topic.PREDICTIONS).size();
            System.out.printf("kill %d: %d predictions committed; this run had processed %.0f images when killed%n",
                    k, committedAtKill[k], processed);
        }
        collector = bed.startCollector(settings, "collector-final.log");
        TopicReader.awaitRecords(bed.bootstrap(), Topic.PREDICTIONS.topicName(), r -> r.size() >= IMAGES,
                Duration.ofSeconds(120));
        // let a last empty poll pass: nothing more may arrive
        Thread.sleep(2000);
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
    void theKillsLandedMidStream() {
        assertTrue(committedAtKill[0] >= 600 && committedAtKill[0] < IMAGES, "first kill at " + committedAtKill[0]);
        assertTrue(committedAtKill[1] >= 1800 && committedAtKill[1] < IMAGES, "second kill at " + committedAtKill[1]);
    }

    @Test
    void everyImageIsPredictedExactlyOnce() {
        List<ConsumerRecord<String, byte[]>> predictions = bed.read(Topic.PREDICTIONS);
        Set<String> keys = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : predictions) {
            assertTrue(keys.add(r.key()), "duplicate prediction for " + r.key());
        }
        assertEquals(IMAGES, keys.size());
    }

    @Test
    void streamedMomentsEqualTheOfflineComputationOverExactlyTheImagesSent() throws Exception {
        Map<MomentsKey, Moments> streamed = bed.mergedMoments();
        Map<String, Moments> offline = bed.offlineMoments(CollectorTestBed.MODEL, IntStream.range(0, IMAGES).boxed().toList());
        assertEquals(offline.size(), streamed.size(), streamed.keySet().toString());
        for (Map.Entry<String, Moments> e : offline.entrySet()) {
            Moments s = streamed.get(new MomentsKey("fmnist-vit", "base", e.getKey()));
            assertNotNull(s, e.getKey());
            assertEquals((long) IMAGES * CollectorTestBed.TOKENS, s.count(), e.getKey() + ": no image lost or counted twice");
            CollectorTestBed.assertMomentsEqual(e.getKey(), e.getValue(), s, 1e-9);
        }
    }

    @Test
    void coMomentsCoverExactlyTheImagesTheirPublicationsClaim() throws Exception {
        Map<MomentsKey, List<CollectorTestBed.Sampled>> claimed = bed.claimedImages();
        Map<MomentsKey, CoMoments> streamed = bed.mergedCoMoments();
        assertEquals(streamed.keySet(), claimed.keySet());
        assertEquals(bed.mergedMoments().keySet(), streamed.keySet(), "one matrix per block");
        for (Map.Entry<MomentsKey, List<CollectorTestBed.Sampled>> e : claimed.entrySet()) {
            int images = e.getValue().size();
            assertTrue(images > 0 && images <= IMAGES, e.getKey() + ": " + images + " images claimed");
            CoMoments s = streamed.get(e.getKey());
            assertEquals(images * (long) CollectorTestBed.SAMPLED_TOKENS, s.count(), e.getKey() + ": no sample lost from, or added to, what is claimed");
            Map<String, CoMoments> offline = bed.offlineSampledCoMoments(CollectorTestBed.MODEL, e.getValue(), CollectorTestBed.SAMPLED_TOKENS);
            CollectorTestBed.assertCoMomentsClose(e.getKey().toString(), offline.get(e.getKey().block()), s, 1e-4);
        }
    }
}
