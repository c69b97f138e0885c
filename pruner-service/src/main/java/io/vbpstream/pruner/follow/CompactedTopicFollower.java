package io.vbpstream.pruner.follow;

import io.vbpstream.platform.AssignedReaders;
import io.vbpstream.platform.VitalThreads;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads a compacted topic from its start on its own thread and hands every record to a handler, for ever: no group,
 * nothing committed, every process sees the whole topic. {@link #caughtUp()} turns true once the end offsets seen at
 * start have been reached, so decisions are not taken on a half-read state. When the consumer fails and is opened
 * again, it resumes where the handler left off: no record is handed twice, so a view fed by it never goes back to an
 * older state of a key (a replay from the start would hand it every superseded record again). Only a partition whose
 * end is now below what was handed (the topic was deleted and created again) is read again from its start.
 */
public final class CompactedTopicFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CompactedTopicFollower.class);

    private final String topic;
    private final Map<String, Object> kafka;
    private final Consumer<ConsumerRecord<String, byte[]>> handler;
    private final Function<KafkaConsumer<?, ?>, AutoCloseable> clientMetrics;
    private final Thread thread;
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    /** Per partition, the offset after the last record handed to the handler (touched by the follower thread only). */
    private final Map<TopicPartition, Long> handed = new HashMap<>();
    private volatile boolean failNextPoll;

    /**
     * @param clientMetrics binds the consumer's own metrics (lag, fetch latency) until the returned handle is closed
     */
    public CompactedTopicFollower(String topic, Map<String, Object> kafka, Consumer<ConsumerRecord<String, byte[]>> handler,
                                  Function<KafkaConsumer<?, ?>, AutoCloseable> clientMetrics) {
        this.topic = topic;
        this.kafka = kafka;
        this.handler = handler;
        this.clientMetrics = clientMetrics;
        this.thread = new Thread(VitalThreads.guard("follow-" + topic, this::run), "follow-" + topic);
        this.thread.setDaemon(true);
    }

    public CompactedTopicFollower start() {
        thread.start();
        return this;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    /** The follower thread's name, {@code follow-<topic>}. */
    public String name() {
        return thread.getName();
    }

    /** False once the thread has ended: asked to by {@link #close()}, or killed by an {@link Error}. */
    public boolean alive() {
        return thread.isAlive();
    }

    private void run() {
        while (running) {
            Map<String, Object> c = AssignedReaders.settings(kafka, 4 << 20);
            // a resumed position below the log's start (records deleted) goes to the start, never to the end: what
            // was handed before is skipped by offset
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.CLIENT_ID_CONFIG, "vbp-pruner-" + topic); // a stable client_id label on its metrics
            try (KafkaConsumer<String, byte[]> k = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                 AutoCloseable bound = clientMetrics.apply(k)) {
                consumer = k;
                List<TopicPartition> parts = AssignedReaders.assignAll(k, topic);
                Map<TopicPartition, Long> end = k.endOffsets(parts);
                for (TopicPartition tp : parts) {
                    Long next = handed.get(tp);
                    if (next != null && next > end.get(tp)) {
                        LOG.warnf("%s partition %d ends at %d, below the %d already read: the topic was created again;"
                                + " reading it from its start", topic, tp.partition(), end.get(tp), next);
                        handed.remove(tp);
                        next = null;
                    }
                    if (next == null) {
                        k.seekToBeginning(List.of(tp));
                    } else {
                        k.seek(tp, next);
                    }
                }
                while (running) {
                    if (failNextPoll) {
                        failNextPoll = false;
                        throw new IllegalStateException("a consumer failure injected by a test");
                    }
                    for (ConsumerRecord<String, byte[]> r : k.poll(Duration.ofMillis(200))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        if (r.offset() < handed.getOrDefault(tp, 0L)) {
                            continue; // handed before the consumer was opened again (an offset reset to the start)
                        }
                        handed.put(tp, r.offset() + 1);
                        try {
                            handler.accept(r);
                        } catch (RuntimeException e) {
                            LOG.warnf("%s record at %d-%d skipped: %s", topic, r.partition(), r.offset(), e.getMessage());
                        }
                    }
                    if (!caughtUp && parts.stream().allMatch(tp -> k.position(tp) >= end.get(tp))) {
                        caughtUp = true;
                        LOG.infof("caught up with %s", topic);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                LOG.warnf("following %s failed (%s); starting over", topic, e.getMessage());
                sleep();
            }
        }
    }

    /** For tests: the next poll fails as a broken consumer would, and the follower opens a new one. */
    void failNextPoll() {
        failNextPoll = true;
    }

    private static void sleep() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> k = consumer;
        if (k != null) {
            k.wakeup();
        }
    }
}
