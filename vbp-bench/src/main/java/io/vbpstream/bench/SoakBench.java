package io.vbpstream.bench;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak: the broker and the three services for {@code --minutes} at {@code --rate} images/s. Every 15 s it samples
 * each service's RSS ({@code /proc}) and heap in use ({@code jvm_memory_used_bytes}, all heap pools),
 * and the collector group's lag; at the end it prints the least-squares slopes after a 2-minute warm-up.
 *
 * <pre>bench/run.sh soak [--minutes 10] [--rate 300]</pre>
 */
public final class SoakBench {

    private SoakBench() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = ResultsSweep.intArg(args, "--minutes", 10);
        int rate = ResultsSweep.intArg(args, "--rate", 300);
        Path root = Fixtures.root();
        Path work = Files.createTempDirectory("vbp-soak");
        System.out.printf(Locale.ROOT, "soak: %d min at %d images/s; %s; %s%n", minutes, rate, Fixtures.cpuModel(), Fixtures.machine());
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(); Admin admin = broker.admin()) {
            TopicProvisioner.createMissing(admin, (short) 1);
            ArtifactRef base = new DirectoryModelStore(work.resolve("store")).put(Fixtures.fmnistModel());
            Map<String, String> s = new LinkedHashMap<>();
            s.put("kafka.bootstrap.servers", broker.bootstrapServers());
            s.put("vbp.collector.model.uri", base.uri().toString());
            s.put("vbp.collector.model.card", root.resolve("models/fmnist-vit/model.json").toString());
            s.put("vbp.collector.store.directory", work.resolve("store").toString());
            s.put("vbp.aggregator.state-dir", work.resolve("aggregator").toString());
            s.put("vbp.pruner.model.base-uri", base.uri().toString());
            s.put("vbp.pruner.model.card", root.resolve("models/fmnist-vit/model.json").toString());
            s.put("vbp.pruner.store.directory", work.resolve("store").toString());
            Map<String, ServiceProcess> services = new LinkedHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread sender = null;
            try {
                services.put("collector", ServiceProcess.start(root.resolve("activation-collector/target/quarkus-app/quarkus-run.jar"), s, work.resolve("collector.log")));
                services.put("aggregator", ServiceProcess.start(root.resolve("stats-aggregator/target/quarkus-app/quarkus-run.jar"), s, work.resolve("aggregator.log")));
                services.put("pruner", ServiceProcess.start(root.resolve("pruner-service/target/quarkus-app/quarkus-run.jar"), s, work.resolve("pruner.log")));
                IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), 10000);
                byte[][] pngs = new byte[set.count()][];
                for (int i = 0; i < pngs.length; i++) {
                    pngs[i] = TrafficReplayer.png(set, i);
                }
                sender = new Thread(() -> send(broker.bootstrapServers(), pngs, rate, running, sent));
                sender.start();
                List<double[]> samples = new ArrayList<>();
                long t0 = System.nanoTime();
                System.out.println("   min   sent  lag | RSS MiB coll/agg/prun | heap used MiB coll/agg/prun");
                while ((System.nanoTime() - t0) / 60e9 < minutes) {
                    Thread.sleep(15_000);
                    double t = (System.nanoTime() - t0) / 60e9;
                    double[] row = new double[9];
                    row[0] = t;
                    row[1] = sent.get();
                    row[2] = lag(admin);
                    int k = 3;
                    for (ServiceProcess p : services.values()) {
                        row[k] = ProcessMemory.rssMiB(p.pid());
                        row[k + 3] = heapUsed(p) / (1 << 20);
                        k++;
                    }
                    samples.add(row);
                    System.out.printf(Locale.ROOT, "%6.1f %6.0f %4.0f | %6.0f %6.0f %6.0f | %6.1f %6.1f %6.1f%n", row[0], row[1], row[2],
                            row[3], row[4], row[5], row[6], row[7], row[8]);
                }
                running.set(false);
                String[] names = {"collector", "aggregator", "pruner"};
                System.out.printf(Locale.ROOT, "%nslopes after a 2-minute warm-up (least squares, MiB per minute):%n");
                for (int i = 0; i < 3; i++) {
                    System.out.printf(Locale.ROOT, "  %-10s RSS %+.2f MiB/min, heap used %+.2f MiB/min%n", names[i],
                            slope(samples, 3 + i), slope(samples, 6 + i));
                }
                double maxLag = samples.stream().mapToDouble(r -> r[2]).max().orElse(0);
                System.out.printf(Locale.ROOT, "collector lag: max %.0f records, last %.0f; %d images sent (%.0f/s)%n", maxLag,
                        samples.get(samples.size() - 1)[2], sent.get(), sent.get() / (minutes * 60.0));
            } finally {
                running.set(false);
                if (sender != null) {
                    sender.join(10_000);
                }
                for (ServiceProcess p : services.values()) {
                    p.close();
                }
            }
        }
    }

    private static void send(String bootstrap, byte[][] pngs, int rate, AtomicBoolean running, AtomicLong sent) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            long t0 = System.nanoTime();
            for (long n = 0; running.get(); n++) {
                RecordHeaders h = new RecordHeaders();
                VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "soak-" + n, pngs[(int) (n % pngs.length)], h));
                sent.incrementAndGet();
                long wait = t0 + (long) ((n + 1) * 1e9 / rate) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records of {@code images} not yet committed by the collector group. */
    private static double lag(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("activation-collector")
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < Topic.IMAGES.partitions(); p++) {
            latest.put(new TopicPartition(Topic.IMAGES.topicName(), p), OffsetSpec.latest());
        }
        var end = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        double lag = 0;
        for (var e : end.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /** Heap in use now, all pools (a sawtooth; its least-squares slope over minutes shows a leak). */
    private static double heapUsed(ServiceProcess p) throws InterruptedException {
        return p.metric("jvm_memory_used_bytes{area=\"heap\"}"); // the sum over every heap pool
    }

    private static double slope(List<double[]> samples, int col) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int n = 0;
        for (double[] r : samples) {
            if (r[0] < 2 || Double.isNaN(r[col])) {
                continue;
            }
            sx += r[0];
            sy += r[col];
            sxx += r[0] * r[0];
            sxy += r[0] * r[col];
            n++;
        }
        return n < 2 ? Double.NaN : (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }
}
