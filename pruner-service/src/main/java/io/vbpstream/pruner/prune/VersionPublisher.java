package io.vbpstream.pruner.prune;

import io.smallrye.common.annotation.Identifier;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.ModelVersion;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Publishes version records to {@code model-versions} (key {@code model/version}) and waits for the broker's ack. */
@ApplicationScoped
public class VersionPublisher {

    private final KafkaProducer<String, byte[]> producer;

    @Inject
    public VersionPublisher(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.remove("group.id");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    public void publish(ModelVersion v) {
        try {
            producer.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), v.key(), Messages.write(v)))
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot publish " + v.key() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted publishing " + v.key());
        }
    }

    @PreDestroy
    void close() {
        producer.close();
    }
}
