package io.vbpstream.collector;

import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicsConfigSource;

import java.util.Map;

/** The model-versions channel's topics, from {@link Topic}. */
public class TopicConfigSource extends TopicsConfigSource {

    public TopicConfigSource() {
        super(Map.of(
                "mp.messaging.incoming.model-versions.topic", Topic.MODEL_VERSIONS.topicName(),
                "mp.messaging.incoming.model-versions.dead-letter-queue.topic", Topic.MODEL_VERSIONS_DLQ.topicName()));
    }
}
