package io.vbpstream.pruner.follow;

import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.ModelVersion;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.util.Map;
import java.util.function.Function;

/**
 * The pruner's three followers of compacted topics, started together: {@code model-versions} into the
 * {@link VersionRegistry}, {@code layer-statistics} into the {@link StatisticsView} and {@code layer-comoments} into
 * the {@link CoMomentsView}. A tombstone (null value) is the aggregator retiring a superseded version's key.
 */
public final class TopicFollowers implements AutoCloseable {

    private final CompactedTopicFollower versions;
    private final CompactedTopicFollower stats;
    private final CompactedTopicFollower tiles;

    public TopicFollowers(Map<String, Object> kafka, VersionRegistry registry, StatisticsView statistics,
                          CoMomentsView coMoments, Function<KafkaConsumer<?, ?>, AutoCloseable> clientMetrics) {
        versions = new CompactedTopicFollower(Topic.MODEL_VERSIONS.topicName(), kafka,
                r -> registry.accept(ModelVersion.read(r.value())), clientMetrics).start();
        stats = new CompactedTopicFollower(Topic.LAYER_STATISTICS.topicName(), kafka, r -> {
            if (r.value() == null) {
                statistics.remove(MomentsKey.parse(r.key()));
            } else {
                statistics.accept(MomentsKey.parse(r.key()), MomentsCodec.decode(r.value()));
            }
        }, clientMetrics).start();
        tiles = new CompactedTopicFollower(Topic.LAYER_COMOMENTS.topicName(), kafka, r -> {
            if (r.value() == null) {
                coMoments.remove(CoMomentsKey.parse(r.key()));
            } else {
                coMoments.accept(CoMomentsKey.parse(r.key()), r.value());
            }
        }, clientMetrics).start();
    }

    /** True once the three topics have been read to where they stood at start. */
    public boolean caughtUp() {
        return versions.caughtUp() && stats.caughtUp() && tiles.caughtUp();
    }

    /** Adds, by follower name, each follower whose thread has ended (an {@link Error} kills it; nothing else does). */
    public void addEnded(Map<String, String> out) {
        for (CompactedTopicFollower f : new CompactedTopicFollower[] {versions, stats, tiles}) {
            if (!f.alive()) {
                out.putIfAbsent(f.name(), "the follower thread has ended");
            }
        }
    }

    @Override
    public void close() {
        versions.close();
        stats.close();
        tiles.close();
    }
}
