package io.vbpstream.bench;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link PipelineBench}'s traffic: the test images as PNG records on {@code images}, at a rate or flat out with at
 * most a backlog waiting for the collector, until the count is reached or the run ends.
 */
final class PipelineReplay {

    private PipelineReplay() {
    }

    static void replay(LocalKafkaBroker broker, ServiceProcess collector, IdxImages.Images set, int[] labels,
                       int images, double rate, int backlog, AtomicBoolean running) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long nextLook = start;
            for (int i = 0; i < images && running.get(); i++) {
                if (rate > 0) {
                    long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                } else if (System.nanoTime() >= nextLook) {
                    // at most two looks a second at the collector's count: a metrics scrape costs it CPU
                    p.flush();
                    while (running.get() && i - collector.metric("vbp_collector_images_total") > backlog) {
                        Thread.sleep(500);
                    }
                    nextLook = System.nanoTime() + 500_000_000L;
                }
                int k = i % set.count();
                RecordHeaders h = new RecordHeaders();
                VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                VbpHeaders.put(h, VbpHeaders.LABEL, Integer.toString(labels[k]));
                p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "img-" + i, TrafficReplayer.png(set, k), h));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
