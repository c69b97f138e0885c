package io.vbpstream.platform;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real KRaft broker: topics are provisioned from the one definition, and records round-trip. */
class LocalKafkaBrokerIT {

    @Test
    void provisionsEveryTopicWithItsConfigAndCarriesRecords() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.shared();
        try (Admin admin = broker.admin()) {
            List<String> created = TopicProvisioner.createMissing(admin, (short) 1);
            assertEquals(Topic.all().size(), created.size());
            assertTrue(TopicProvisioner.createMissing(admin, (short) 1).isEmpty(), "provisioning is idempotent");

            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            Topic.all().forEach(t -> assertTrue(names.contains(t.topicName()), t.topicName()));
            assertEquals(6, admin.describeTopics(List.of("images")).allTopicNames().get().get("images").partitions().size());

            ConfigResource stats = new ConfigResource(ConfigResource.Type.TOPIC, Topic.LAYER_STATISTICS.topicName());
            Config c = admin.describeConfigs(List.of(stats)).all().get(10, TimeUnit.SECONDS).get(stats);
            assertEquals("compact", c.get("cleanup.policy").value());
            ConfigResource images = new ConfigResource(ConfigResource.Type.TOPIC, Topic.IMAGES.topicName());
            Config ci = admin.describeConfigs(List.of(images)).all().get(10, TimeUnit.SECONDS).get(images);
            assertEquals(Integer.toString(4 << 20), ci.get("max.message.bytes").value());
        }

        send(broker, "fmnist-vit", "v1");
        ConsumerRecords<String, String> records = readModelVersions(broker, "it");
        assertEquals(1, records.count());
        assertEquals("v1", records.iterator().next().value());
    }

    private static void send(LocalKafkaBroker broker, String key, String value) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(Topic.MODEL_VERSIONS.topicName(), key, value)).get(10, TimeUnit.SECONDS);
        }
    }

    /** The first non-empty poll of model-versions from the beginning, waiting up to 20 s. */
    private static ConsumerRecords<String, String> readModelVersions(LocalKafkaBroker broker, String group) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", group, "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(Topic.MODEL_VERSIONS.topicName()));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            for (int i = 0; i < 40 && records.isEmpty(); i++) {
                records = c.poll(Duration.ofMillis(500));
            }
            return records;
        }
    }

    @Test
    void aKilledBrokerRestartsWithItsData() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            send(broker, "k", "before-crash");
            broker.kill();
            broker.restart();
            try (Admin admin = broker.admin()) {
                assertTrue(TopicProvisioner.createMissing(admin, (short) 1).isEmpty(), "topics survive the crash");
            }
            ConsumerRecords<String, String> records = readModelVersions(broker, "restart-it");
            assertEquals(1, records.count());
            assertEquals("before-crash", records.iterator().next().value());
        }
    }
}
