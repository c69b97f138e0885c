package io.vbpstream.aggregator.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.vbpstream.aggregator.AggregatorConfig;
import io.vbpstream.platform.KafkaClientSettings;
import io.vbpstream.platform.Topic;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes the {@code activation-comoments} records this instance's tasks have merged and committed, as Kafka Streams
 * does for its own repartition topics. The topic is transport: a DeiT-Base publication is a quarter of a gigabyte,
 * merged within seconds, and nothing else reads it, so its hour of retention (the bound for an aggregator that is
 * down) would otherwise keep every publication of a chain on the broker's disk. The committed offset is where a
 * restarted task resumes, so nothing it would read again is deleted; the broker frees whole segments only
 * ({@link Topic#COMOMENTS_SEGMENT_BYTES}). A failed purge is logged and tried again at the next interval.
 */
@ApplicationScoped
public class MergedCoMomentsPurge {

    private static final Logger LOG = Logger.getLogger(MergedCoMomentsPurge.class);
    private static final String TOPIC = Topic.ACTIVATION_COMOMENTS.topicName();

    @Inject
    KafkaStreams streams;

    @Inject
    AggregatorConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    MeterRegistry registry;

    private final Map<TopicPartition, Long> purged = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;
    private Admin admin;
    private Counter purges;

    void start(@Observes StartupEvent e) {
        if (!config.purge().enabled()) {
            return;
        }
        purges = Counter.builder("vbp.aggregator.comoments.purges")
                .description("Deletions of merged activation-comoments records, one per partition").register(registry);
        Map<String, Object> c = KafkaClientSettings.admin(kafka);
        c.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "stats-aggregator-purge");
        admin = Admin.create(c);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vbp-comoments-purge");
            t.setDaemon(true);
            return t;
        });
        long ms = config.purge().interval().toMillis();
        timer.scheduleWithFixedDelay(this::purgeOnce, ms, ms, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    private void purgeOnce() {
        try {
            if (streams.state() != KafkaStreams.State.RUNNING) {
                return;
            }
            Map<TopicPartition, Long> committed = new HashMap<>();
            for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
                for (TaskMetadata task : thread.activeTasks()) {
                    committed.putAll(task.committedOffsets());
                }
            }
            Map<TopicPartition, Long> due = due(committed, purged, TOPIC);
            if (due.isEmpty()) {
                return;
            }
            Map<TopicPartition, RecordsToDelete> request = new HashMap<>();
            due.forEach((tp, offset) -> request.put(tp, RecordsToDelete.beforeOffset(offset)));
            admin.deleteRecords(request).all().get(30, TimeUnit.SECONDS);
            purged.putAll(due);
            purges.increment(due.size());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (Exception ex) {
            LOG.warnf("Could not delete merged %s records (tried again in %s): %s", TOPIC, config.purge().interval(), ex);
        }
    }

    /**
     * The partitions of {@code topic} whose committed offset moved past what was purged before, with that offset:
     * everything before it may go. Offsets below zero (nothing committed yet) are left alone.
     */
    static Map<TopicPartition, Long> due(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> purged,
            String topic) {
        Map<TopicPartition, Long> out = new HashMap<>();
        committed.forEach((tp, offset) -> {
            if (tp.topic().equals(topic) && offset != null && offset > 0 && offset > purged.getOrDefault(tp, 0L)) {
                out.put(tp, offset);
            }
        });
        return out;
    }
}
