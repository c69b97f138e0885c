package io.vbpstream.bench;

import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The stats-aggregator's merge rate for wide blocks against a plain Kafka consumer reading the same topic, in the
 * same run, round by round; then the time it takes to restore a store of {@code blocks} keys from its changelog.
 *
 * <p>Each round: (1) a plain {@code KafkaConsumer} (new group) reads every delta and touches its bytes; (2) the
 * packaged aggregator (new application id, empty state) merges every delta with exactly-once v2. Its rate is taken
 * from its merged-deltas counter between 10% and 90% of the deltas. Restore: the last round's aggregator is
 * SIGKILLed, its state folder deleted, and it is started again; the time until it reports ready (Kafka Streams
 * RUNNING, every store restored from the changelog) is compared with the start-up of an instance with nothing to
 * restore.
 *
 * <pre>bench/run.sh aggregator [--deltas 2400] [--width 3072] [--blocks 12] [--rounds 3]</pre>
 */
public final class AggregatorBench {

    private AggregatorBench() {
    }

    public static void main(String[] args) throws Exception {
        int deltas = ResultsSweep.intArg(args, "--deltas", 2400);
        int width = ResultsSweep.intArg(args, "--width", 3072);
        int blocks = ResultsSweep.intArg(args, "--blocks", 12);
        int rounds = ResultsSweep.intArg(args, "--rounds", 3);
        Path app = Fixtures.root().resolve("stats-aggregator/target/quarkus-app/quarkus-run.jar");
        System.out.printf(Locale.ROOT, "aggregator benchmark: %d deltas over %d keys of width %d (%d bytes each), %d rounds; %s; %s%n",
                deltas, blocks, width, MomentsCodec.encodedSize(width), rounds, Fixtures.cpuModel(), Fixtures.machine());
        Path work = Files.createTempDirectory("vbp-aggregator-bench");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            produce(broker.bootstrapServers(), deltas, width, blocks);
            double[] plain = new double[rounds];
            double[] merged = new double[rounds];
            ServiceProcess last = null;
            for (int r = 0; r < rounds; r++) {
                plain[r] = plainConsumer(broker.bootstrapServers(), deltas, r);
                if (last != null) {
                    last.close();
                }
                last = start(app, broker, work, "bench-" + r);
                merged[r] = mergeRate(last, deltas);
                System.out.printf(Locale.ROOT, "round %d: plain consumer %.0f deltas/s, aggregator %.0f deltas/s, ratio %.3f%n",
                        r + 1, plain[r], merged[r], merged[r] / plain[r]);
            }
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = merged[r] / plain[r];
            }
            System.out.printf(Locale.ROOT, "%nmedians over %d rounds: plain consumer %.0f deltas/s (%.0f MB/s), aggregator %.0f deltas/s;"
                            + " aggregator / plain: %.3f%n", rounds, LatencyBench.median(plain),
                    LatencyBench.median(plain) * MomentsCodec.encodedSize(width) / 1e6, LatencyBench.median(merged),
                    LatencyBench.median(ratio));

            String id = "bench-" + (rounds - 1);
            last.kill();
            deleteTree(work.resolve("state-" + id));
            long t0 = System.nanoTime();
            ServiceProcess restored = start(app, broker, work, id);
            double restoreSeconds = (System.nanoTime() - t0) / 1e9;
            String storeBytes = String.format(Locale.ROOT, "%.0f", restored.metric("vbp_aggregator_store_bytes"));
            restored.close();
            long t1 = System.nanoTime();
            ServiceProcess empty = start(app, broker, work, "bench-empty-" + System.nanoTime());
            double emptySeconds = (System.nanoTime() - t1) / 1e9;
            empty.close();
            System.out.printf(Locale.ROOT, "restore of %d keys x width %d (store %s bytes; changelog holds up to %d updates): "
                            + "ready after %.1f s, against %.1f s for an instance with nothing to restore%n",
                    blocks, width, storeBytes, deltas, restoreSeconds, emptySeconds);
        }
    }

    private static void produce(String bootstrap, int deltas, int width, int blocks) {
        SplittableRandom rnd = new SplittableRandom(7);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int d = 0; d < deltas; d++) {
                double[] mean = new double[width];
                double[] m2 = new double[width];
                for (int j = 0; j < width; j++) {
                    mean[j] = rnd.nextDouble() - 0.5;
                    m2[j] = rnd.nextDouble() * 100;
                }
                p.send(new ProducerRecord<>(Topic.ACTIVATION_MOMENTS.topicName(), "bench/base/mlp" + (d % blocks),
                        MomentsCodec.encode(Moments.of(1600, mean, m2))));
            }
        }
    }

    private static double plainConsumer(String bootstrap, int deltas, int round) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "plain-" + round + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topic.ACTIVATION_MOMENTS.topicName()));
            long n = 0;
            long checksum = 0;
            long t0 = 0;
            long tLo = 0;
            long tHi = 0;
            while (n < deltas) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (t0 == 0) {
                        t0 = System.nanoTime();
                    }
                    checksum += r.value()[r.value().length - 1];
                    n++;
                    if (n == deltas / 10) {
                        tLo = System.nanoTime();
                    }
                    if (n == deltas * 9 / 10) {
                        tHi = System.nanoTime();
                    }
                }
            }
            if (checksum == Long.MIN_VALUE) {
                System.out.println("checksum " + checksum);
            }
            return (deltas * 8 / 10) / ((tHi - tLo) / 1e9);
        }
    }

    private static ServiceProcess start(Path app, LocalKafkaBroker broker, Path work, String id) throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("quarkus.kafka-streams.application-id", id);
        s.put("vbp.aggregator.state-dir", work.resolve("state-" + id).toString());
        s.put("kafka-streams.session.timeout.ms", "6000");
        return ServiceProcess.start(app, s, work.resolve(id + ".log"));
    }

    private static double mergeRate(ServiceProcess p, int deltas) throws Exception {
        long tLo = 0;
        double nLo = 0;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (System.nanoTime() < deadline) {
            double n = p.metric("vbp_aggregator_deltas_merged_total");
            long t = System.nanoTime();
            if (tLo == 0 && n >= deltas / 10.0) {
                tLo = t;
                nLo = n;
            }
            if (n >= deltas * 0.9) {
                return (n - nLo) / ((t - tLo) / 1e9);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the aggregator did not merge every delta");
    }

    private static void deleteTree(Path p) throws Exception {
        if (Files.exists(p)) {
            try (var s = Files.walk(p)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
