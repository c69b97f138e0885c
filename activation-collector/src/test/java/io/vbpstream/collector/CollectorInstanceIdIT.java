package io.vbpstream.collector;

import io.vbpstream.core.store.ArtifactRef;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, scenario 7: two collectors started with one instance id (HOSTNAME unset, or two processes on one host)
 * share a transactional id, and each reopening its clients fenced the other, for ever. Now the one that is fenced stops
 * and exits with a message naming {@code vbp.collector.instance-id}, and the other goes on with every image, once.
 */
class CollectorInstanceIdIT {

    private static CollectorTestBed bed;
    private static ServiceProcess first;
    private static ServiceProcess second;

    @BeforeAll
    static void start() throws Exception {
        bed = CollectorTestBed.create();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess p : new ServiceProcess[]{first, second}) {
            if (p != null) {
                p.close();
            }
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void ofTwoCollectorsWithOneInstanceIdTheFencedOneExitsSayingSoAndTheOtherGoesOn() throws Exception {
        ArtifactRef model = bed.put(CollectorTestBed.MODEL);
        Map<String, String> settings = bed.settings(model, "base", "twin");
        settings.put("vbp.collector.flush.interval", "2s");
        first = bed.startCollector(settings, "first.log");
        bed.sendImages(0, 100);
        TopicReader.awaitRecords(bed.bootstrap(), Topic.PREDICTIONS.topicName(), r -> r.size() >= 100, Duration.ofSeconds(60));

        second = bed.startCollector(settings, "second.log");
        bed.sendImages(100, 200);
        // exactly one of the two stops (the one whose producer or consumer the other fenced) and says why
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        ServiceProcess stopped = null;
        while (stopped == null && System.nanoTime() < deadline) {
            for (ServiceProcess p : new ServiceProcess[]{first, second}) {
                if (p.awaitExit(Duration.ofMillis(250)).isPresent()) {
                    stopped = p;
                    break;
                }
            }
        }
        assertTrue(stopped != null, "one collector stopped; the first's log:\n" + first.tail() + "\nthe second's:\n" + second.tail());
        ServiceProcess goesOn = stopped == first ? second : first;
        assertEquals(78, stopped.awaitExit(Duration.ofSeconds(1)).getAsInt(), "a configuration error's exit status");
        assertTrue(stopped.log().contains("vbp.collector.instance-id=twin"), "the message names the setting:\n" + stopped.tail());

        TopicReader.awaitRecords(bed.bootstrap(), Topic.PREDICTIONS.topicName(), r -> r.size() >= 300, Duration.ofSeconds(90));
        Thread.sleep(3000); // a window or two more: nothing more may arrive
        List<ConsumerRecord<String, byte[]>> predictions = bed.read(Topic.PREDICTIONS);
        Set<String> keys = new HashSet<>();
        predictions.forEach(r -> assertTrue(keys.add(r.key()), "predicted twice: " + r.key()));
        assertEquals(300, keys.size(), "every image predicted once");
        assertTrue(goesOn.awaitExit(Duration.ofMillis(10)).isEmpty(), "the other collector goes on");
        assertEquals(200, goesOn.get("/q/health/live").statusCode());
        assertTrue(!goesOn.log().contains("vbp.collector.instance-id=twin"), "and was not told to stop");
    }
}
