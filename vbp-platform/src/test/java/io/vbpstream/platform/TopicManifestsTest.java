package io.vbpstream.platform;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicManifestsTest {

    @Test
    void oneKafkaTopicPerTopicWithItsSettings() {
        String yaml = TopicManifests.render("vbp", 3);
        List<String> docs = Arrays.asList(yaml.split("(?m)^---$"));
        assertEquals(Topic.all().size(), docs.size());
        for (Topic t : Topic.all()) {
            String doc = docs.stream().filter(d -> d.contains("  topicName: " + t.topicName() + "\n")).findFirst()
                    .orElseThrow(() -> new AssertionError("no KafkaTopic for " + t.topicName()));
            assertTrue(doc.contains("kind: KafkaTopic"));
            assertTrue(doc.contains("strimzi.io/cluster: vbp"));
            assertTrue(doc.contains("  partitions: " + t.partitions() + "\n"), doc);
            assertTrue(doc.contains("  replicas: 3\n"));
            assertTrue(doc.contains("cleanup.policy: \"" + t.cleanup().value() + "\""), doc);
            assertTrue(doc.contains("min.insync.replicas: \"2\""));
            t.configs().forEach((k, v) -> assertTrue(doc.contains(k + ": \"" + v + "\""), k));
        }
        assertTrue(!TopicManifests.render("vbp", 1).contains("min.insync.replicas"));
        assertThrows(IllegalArgumentException.class, () -> TopicManifests.render("Bad_Name", 3));
        assertThrows(IllegalArgumentException.class, () -> TopicManifests.render("vbp", 0));
    }
}
