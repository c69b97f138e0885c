package io.vbpstream.deploy;

import io.vbpstream.platform.TopicManifests;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The KafkaTopic files are generated from the one topic definition ({@code io.vbpstream.platform.Topic}); this fails
 * when they are out of date. Regenerate with
 * {@code java -cp vbp-platform/target/classes io.vbpstream.platform.TopicManifests vbp-kafka 1 deploy/kubernetes/base/kafka/topics.yaml}
 * (and {@code 3 deploy/kubernetes/overlays/prod/topics.yaml}).
 */
class GeneratedManifestsTest {

    @Test
    void theBaseTopicsAreGeneratedFromTheTopicDefinition() throws IOException {
        assertEquals(TopicManifests.render("vbp-kafka", 1),
                Files.readString(RenderedOverlay.ROOT.resolve("deploy/kubernetes/base/kafka/topics.yaml")));
    }

    @Test
    void theProductionTopicsAreGeneratedWithThreeReplicas() throws IOException {
        assertEquals(TopicManifests.render("vbp-kafka", 3),
                Files.readString(RenderedOverlay.ROOT.resolve("deploy/kubernetes/overlays/prod/topics.yaml")));
    }
}
