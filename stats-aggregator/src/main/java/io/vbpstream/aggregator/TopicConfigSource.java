package io.vbpstream.aggregator;

import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicsConfigSource;

import java.util.Map;

/** The topics Kafka Streams waits for, from {@link Topic}. */
public class TopicConfigSource extends TopicsConfigSource {

    public TopicConfigSource() {
        super(Map.of("quarkus.kafka-streams.topics", String.join(",", Topic.ACTIVATION_MOMENTS.topicName(),
                Topic.LAYER_STATISTICS.topicName(), Topic.ACTIVATION_MOMENTS_DLQ.topicName(),
                Topic.ACTIVATION_COMOMENTS.topicName(), Topic.LAYER_COMOMENTS.topicName(),
                Topic.ACTIVATION_COMOMENTS_DLQ.topicName(), Topic.MODEL_VERSIONS.topicName())));
    }
}
