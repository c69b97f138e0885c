package io.vbpstream.platform;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicTest {

    @Test
    void namesAreUniqueAndEveryInputTopicHasADeadLetterTopic() {
        Set<String> names = new HashSet<>();
        Topic.all().forEach(t -> assertTrue(names.add(t.topicName()), "duplicate " + t.topicName()));
        for (Topic input : new Topic[] {Topic.IMAGES, Topic.ACTIVATION_MOMENTS, Topic.LAYER_STATISTICS, Topic.MODEL_VERSIONS}) {
            assertTrue(Topic.byName(input.topicName() + ".dlq").isPresent(), input.topicName());
        }
    }

    @Test
    void compactedTopicsHaveNoRetentionAndOthersDo() {
        for (Topic t : Topic.all()) {
            boolean compact = t.cleanup() == Topic.Cleanup.COMPACT;
            assertEquals(compact, t.retention().isEmpty(), t.topicName());
            assertEquals(compact, !t.configs().containsKey("retention.ms"), t.topicName());
        }
        assertEquals("compact", Topic.LAYER_STATISTICS.configs().get("cleanup.policy"));
        assertFalse(Topic.byName("nope").isPresent());
    }

    @Test
    void theCoMomentTopicsRollSegmentsSmallerThanAPublication() {
        assertEquals(Integer.toString(Topic.COMOMENTS_SEGMENT_BYTES), Topic.ACTIVATION_COMOMENTS.configs().get("segment.bytes"));
        assertEquals(Integer.toString(Topic.COMOMENTS_SEGMENT_BYTES), Topic.LAYER_COMOMENTS.configs().get("segment.bytes"));
        assertEquals("0.2", Topic.LAYER_COMOMENTS.configs().get("min.cleanable.dirty.ratio"));
        assertFalse(Topic.ACTIVATION_COMOMENTS.configs().containsKey("min.cleanable.dirty.ratio"), "not compacted");
        assertTrue(Topic.LAYER_STATISTICS.segmentSettings().isEmpty());
    }
}
