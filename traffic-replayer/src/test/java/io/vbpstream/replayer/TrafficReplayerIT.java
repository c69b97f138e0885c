package io.vbpstream.replayer;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Replays images into a real broker and reads them back: every image once, exact pixels, label headers. */
class TrafficReplayerIT {

    @Test
    void replaysImagesAsLosslessPngWithLabels() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.shared();
        try (Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
        }
        Path root = Path.of(System.getProperty("vbp.repo.root"));
        Path images = root.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
        Path labels = root.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        int code = new CommandLine(new TrafficReplayer()).execute("--bootstrap", broker.bootstrapServers(), "-q",
                "--images", images.toString(), "--labels", labels.toString(), "--offset", "100", "--limit", "150",
                "--key-prefix", "it");
        assertEquals(0, code);

        IdxImages.Images expected = IdxImages.readImages(images, 250);
        int[] expectedLabels = IdxImages.readLabels(labels, 250);
        Map<String, ConsumerRecord<String, byte[]>> got = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", "replayer-it", "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topic.IMAGES.topicName()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < 150 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.key().startsWith("it-")) {
                        got.merge(r.key(), r, (a, b) -> { throw new AssertionError("duplicate " + r.key()); });
                    }
                }
            }
        }
        assertEquals(150, got.size());
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        for (int i = 100; i < 250; i++) {
            ConsumerRecord<String, byte[]> r = got.get("it-" + i);
            assertEquals("image/png", new String(r.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8));
            assertEquals(Integer.toString(expectedLabels[i]), new String(r.headers().lastHeader("label").value(), StandardCharsets.UTF_8));
            BufferedImage img = decoder.decode(r.value(), "image/png");
            byte[] pixels = new byte[784];
            img.getRaster().getDataElements(0, 0, 28, 28, pixels);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected.pixels(), i * 784, (i + 1) * 784), pixels, "image " + i);
        }
    }
}
