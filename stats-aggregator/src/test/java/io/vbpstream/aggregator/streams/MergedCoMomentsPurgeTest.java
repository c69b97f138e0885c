package io.vbpstream.aggregator.streams;

import io.vbpstream.platform.Topic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MergedCoMomentsPurgeTest {

    private static final String TOPIC = Topic.ACTIVATION_COMOMENTS.topicName();

    @Test
    void onlyTheCoMomentPartitionsWhoseCommittedOffsetMovedAreDue() {
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        TopicPartition p1 = new TopicPartition(TOPIC, 1);
        TopicPartition p2 = new TopicPartition(TOPIC, 2);
        TopicPartition p3 = new TopicPartition(TOPIC, 3);
        TopicPartition moments = new TopicPartition(Topic.ACTIVATION_MOMENTS.topicName(), 0);
        Map<TopicPartition, Long> committed = new HashMap<>();
        committed.put(p0, 120L); // moved past the last purge
        committed.put(p1, 40L); // where the last purge left it
        committed.put(p2, -1L); // nothing committed yet
        committed.put(p3, 0L); // nothing consumed yet
        committed.put(moments, 500L); // another topic: kept whole
        Map<TopicPartition, Long> purged = Map.of(p0, 100L, p1, 40L);
        assertEquals(Map.of(p0, 120L), MergedCoMomentsPurge.due(committed, purged, TOPIC));
    }

    @Test
    void aPartitionNeverPurgedIsDueFromItsFirstCommit() {
        TopicPartition p = new TopicPartition(TOPIC, 5);
        assertEquals(Map.of(p, 7L), MergedCoMomentsPurge.due(Map.of(p, 7L), Map.of(), TOPIC));
    }
}
