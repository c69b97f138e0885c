package io.vbpstream.pruner.prune;

import io.smallrye.common.annotation.Identifier;
import io.vbpstream.platform.KafkaClientSettings;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.ModelVersion;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.vbpstream.pruner.PrunerConfig;
import org.apache.kafka.common.KafkaException;
import org.jboss.logging.Logger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;

/**
 * Publishes version records to {@code model-versions} (key {@code model/version}) in one transaction per call, and
 * waits for the commit: a step that writes two records (a rollback: the child ROLLED_BACK and the parent PROMOTED
 * again) writes both or neither. Every reader of the topic reads it {@code read_committed}. The transactional producer
 * is opened at the first publication (so the service starts without a broker) and opened again after a failure.
 */
@ApplicationScoped
public class VersionPublisher {

    private static final Logger LOG = Logger.getLogger(VersionPublisher.class);

    private final Map<String, Object> settings;
    private KafkaProducer<String, byte[]> producer;

    @Inject
    public VersionPublisher(@Identifier("default-kafka-broker") Map<String, Object> kafka, PrunerConfig config) {
        Map<String, Object> p = KafkaClientSettings.producer(kafka);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "vbp-pruner-" + config.instanceId());
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        this.settings = p;
    }

    /** Publishes {@code versions} together: all of them or, if this throws, none. */
    public synchronized void publish(ModelVersion... versions) {
        KafkaProducer<String, byte[]> p = open();
        String keys = java.util.Arrays.stream(versions).map(ModelVersion::key).toList().toString();
        try {
            p.beginTransaction();
            for (ModelVersion v : versions) {
                p.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), v.key(), Messages.write(v)));
            }
            p.commitTransaction();
        } catch (KafkaException e) {
            // whatever was sent is aborted (or, on a fatal error, left to the coordinator's timeout); the producer
            // is opened afresh for the next publication
            try {
                p.abortTransaction();
            } catch (RuntimeException abortFailed) {
                LOG.debugf("abort after a failed publication failed too: %s", abortFailed.getMessage());
            }
            closeProducer();
            throw new IllegalStateException("cannot publish " + keys + ": " + e.getMessage(), e);
        }
    }

    private KafkaProducer<String, byte[]> open() {
        if (producer == null) {
            KafkaProducer<String, byte[]> p = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw new IllegalStateException("cannot open the model-versions producer: " + e.getMessage(), e);
            }
            producer = p;
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    @PreDestroy
    synchronized void close() {
        closeProducer();
    }
}
