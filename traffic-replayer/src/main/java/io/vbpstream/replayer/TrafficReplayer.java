package io.vbpstream.replayer;

import io.vbpstream.core.cli.ProgressBar;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.platform.Topic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Streams images into the {@code images} topic: an IDX file's (the Fashion-MNIST test split by default) as lossless
 * PNG records, or a folder's PNG and JPEG files as they are (sorted by path; a file in a sub-folder named by a class
 * index gets that label). Key {@code <prefix>-<index>}, headers {@code content-type} and {@code label}, at a given
 * rate or as fast as the broker takes them, with an idempotent producer.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Replay images into Kafka as PNG records.")
public final class TrafficReplayer implements Callable<Integer> {

    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:39092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--topic", description = "Target topic (default: images).")
    String topic = Topic.IMAGES.topicName();

    @Option(names = "--images", defaultValue = "data/fashion-mnist/t10k-images-idx3-ubyte.gz", description = "IDX image file, or a folder of PNG/JPEG files (labels from class-index sub-folders).")
    Path images;

    @Option(names = "--labels", defaultValue = "data/fashion-mnist/t10k-labels-idx1-ubyte.gz",
            description = "IDX label file; 'none' to send no label headers.")
    String labels;

    @Option(names = "--limit", defaultValue = "0", description = "Send at most this many images (0: all).")
    int limit;

    @Option(names = "--offset", defaultValue = "0", description = "Start at this image index.")
    int offset;

    @Option(names = "--rate", defaultValue = "0", description = "Images per second (0: as fast as possible).")
    double rate;

    @Option(names = "--key-prefix", defaultValue = "fmnist-test", description = "Record keys are <prefix>-<index>.")
    String keyPrefix;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    /** Extra producer settings, e.g. security.protocol=SASL_SSL. */
    @Option(names = "--producer", description = "Extra producer setting key=value (repeatable).")
    Map<String, String> producerSettings = new HashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrafficReplayer()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        int sent = replay();
        System.out.printf("sent %d images to %s at %s%n", sent, topic, bootstrap);
        return 0;
    }

    /** Sends the images and waits for every acknowledgement; returns how many were sent. */
    public int replay() throws IOException, InterruptedException {
        ImageSource set = ImageSource.open(images, labels, offset + limit > offset ? offset + limit : 0);
        int end = set.count();
        if (offset < 0 || offset >= end) {
            throw new IllegalArgumentException("offset " + offset + " is outside 0.." + (end - 1));
        }
        Map<String, Object> config = new HashMap<>(producerSettings);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        // one request in flight per partition: against a topic the broker has only just created, a first batch can
        // meet NOT_LEADER_OR_FOLLOWER while the next ones are in flight, and the idempotent producer then retried in
        // OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout (TrafficReplayerIT, twice in CI); batches (linger
        // 5 ms) keep the throughput
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        List<Future<?>> pending = new ArrayList<>();
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
             ProgressBar bar = new ProgressBar("replay", end - offset, quiet)) {
            for (int i = offset; i < end; i++) {
                if (rate > 0) {
                    long due = start + (long) ((i - offset) * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, keyPrefix + "-" + i, set.bytes(i));
                record.headers().add(new RecordHeader("content-type", set.contentType(i).getBytes(StandardCharsets.UTF_8)));
                if (set.label(i) >= 0) {
                    record.headers().add(new RecordHeader("label", Integer.toString(set.label(i)).getBytes(StandardCharsets.UTF_8)));
                }
                pending.add(producer.send(record, (md, e) -> bar.step(1)));
                if (pending.size() >= 1000) {
                    awaitAll(pending);
                }
            }
            awaitAll(pending);
        }
        return end - offset;
    }

    private static void awaitAll(List<Future<?>> pending) throws InterruptedException {
        for (Future<?> f : pending) {
            try {
                f.get(120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("send failed: " + e.getMessage(), e);
            }
        }
        pending.clear();
    }

    /** Image {@code i} of the set as a grayscale PNG (lossless, so the collector sees the exact pixels). */
    public static byte[] png(IdxImages.Images set, int i) {
        BufferedImage img = new BufferedImage(set.width(), set.height(), BufferedImage.TYPE_BYTE_GRAY);
        int n = set.pixelsPerImage();
        img.getRaster().setDataElements(0, 0, set.width(), set.height(),
                java.util.Arrays.copyOfRange(set.pixels(), i * n, (i + 1) * n));
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
