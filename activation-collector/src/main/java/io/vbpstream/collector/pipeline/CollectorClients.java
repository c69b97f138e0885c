package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.platform.KafkaClientSettings;
import io.vbpstream.platform.Topic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A collector's pair of Kafka clients: the transactional producer (its id from the instance id, so a restarted
 * instance fences its predecessor's open transaction) and the {@code read_committed} consumer of {@code images} in the
 * collector group, a static member under the same instance id. Opened together, closed together, their metrics bound
 * for as long as they live.
 */
final class CollectorClients implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CollectorClients.class);

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final int coMomentsPartitions;
    private final List<AutoCloseable> boundMetrics = new ArrayList<>();

    private CollectorClients(KafkaProducer<String, byte[]> producer, KafkaConsumer<String, byte[]> consumer,
                             int coMomentsPartitions) {
        this.producer = producer;
        this.consumer = consumer;
        this.coMomentsPartitions = coMomentsPartitions;
    }

    /** The transactional id of instance {@code instanceId}. */
    static String transactionalId(String instanceId) {
        return "activation-collector-" + instanceId;
    }

    /**
     * Opens both clients, initialises the transactions and subscribes to {@code images}.
     *
     * @param kafka       the {@code kafka.*} settings (bootstrap servers, credentials)
     * @param pollRecords the consumer's {@code max.poll.records}
     * @param coMoments   true if the served model publishes co-moments (their topic must then exist)
     */
    static CollectorClients open(LoopSettings settings, Map<String, Object> kafka, CollectorMetrics metrics,
                                 int pollRecords, boolean coMoments, ConsumerRebalanceListener rebalance) {
        Map<String, Object> p = KafkaClientSettings.producer(kafka);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(settings.instanceId()));
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topic.IMAGES_DLQ.maxMessageBytes());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-producer");
        // bounded blocking while the broker is away, so the loop keeps iterating (and liveness stays up)
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) settings.transactionTimeout().toMillis());
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        List<AutoCloseable> bound = new ArrayList<>();
        KafkaConsumer<String, byte[]> consumer = null;
        try {
            bound.add(metrics.bindKafkaClient(producer));
            producer.initTransactions();
            int partitions = coMoments ? coMomentsPartitions(producer) : 0;

            Map<String, Object> c = KafkaClientSettings.consumer(kafka);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, pollRecords);
            c.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-consumer");
            // static membership: a restarted instance takes its partitions back at once instead of waiting out the
            // session timeout of its dead predecessor (and a rolling restart causes no rebalance)
            c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId());
            consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
            bound.add(metrics.bindKafkaClient(consumer));
            consumer.subscribe(List.of(Topic.IMAGES.topicName()), rebalance);
            CollectorClients clients = new CollectorClients(producer, consumer, partitions);
            clients.boundMetrics.addAll(bound);
            return clients;
        } catch (RuntimeException e) {
            new CollectorClients(producer, consumer, 0).closeWith(bound);
            throw e;
        }
    }

    KafkaProducer<String, byte[]> producer() {
        return producer;
    }

    KafkaConsumer<String, byte[]> consumer() {
        return consumer;
    }

    /** Partitions of {@code activation-comoments} (0 when the model publishes none). */
    int coMomentsPartitions() {
        return coMomentsPartitions;
    }

    private static int coMomentsPartitions(KafkaProducer<String, byte[]> producer) {
        try {
            return producer.partitionsFor(Topic.ACTIVATION_COMOMENTS.topicName()).size();
        } catch (KafkaException e) {
            throw new IllegalStateException("cannot publish co-moments: topic " + Topic.ACTIVATION_COMOMENTS.topicName()
                    + " is not there (" + e.getMessage() + "); create it (deploy/local/broker.sh start and the KafkaTopic "
                    + "resources do) or turn co-moments off with vbp.collector.covariance.enabled=false", e);
        }
    }

    @Override
    public void close() {
        closeWith(boundMetrics);
    }

    private void closeWith(List<AutoCloseable> bound) {
        for (AutoCloseable m : bound) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.debugf(e, "unbinding client metrics");
            }
        }
        bound.clear();
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
