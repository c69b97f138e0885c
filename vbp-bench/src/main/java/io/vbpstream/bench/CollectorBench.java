package io.vbpstream.bench;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicProvisioner;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.VbpHeaders;
import io.vbpstream.replayer.TrafficReplayer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The activation-collector's end-to-end throughput against plain ONNX Runtime inference of the same model at the same
 * batch size, measured in the same run, round by round.
 *
 * <p>Each round: (1) plain inference ({@code ModelSession}, ONNX Runtime's Java API) over the pre-decoded images;
 * (2) the same with vbp's in-graph moments ({@code InstrumentedSession}): the moments overhead on its own; (3) the
 * packaged collector as its own JVM, consuming the same images as PNG records from a real local broker (a new consumer
 * group each round): decode, preprocess, DJL-run instrumented inference, predictions, moments deltas, transactions.
 * The collector's rate comes from the timestamps of its predictions between the 10th and 90th percentile image (steady
 * state, no start-up or drain, and nothing polling the process while it works); the in-process rates from whole
 * passes after a warm-up pass.
 *
 * <pre>bench/run.sh collector [--images 6000] [--batch 32] [--rounds 3] [--model models/fmnist-vit/model.onnx]</pre>
 */
public final class CollectorBench {

    private CollectorBench() {
    }

    public static void main(String[] args) throws Exception {
        int images = ResultsSweep.intArg(args, "--images", 6000);
        int batch = ResultsSweep.intArg(args, "--batch", 32);
        int rounds = ResultsSweep.intArg(args, "--rounds", 3);
        // co-moments settings compared: off, the collector's default tokens per image, or a number of tokens
        List<String> covariance = List.of(ResultsSweep.stringArg(args, "--covariance", "off,default").split(","));
        // windows of this many images instead of the collector's default (1024 images or 5 s); 0: the default
        int flushImages = ResultsSweep.intArg(args, "--flush-images", 0);
        Path app = Fixtures.root().resolve("activation-collector/target/quarkus-app/quarkus-run.jar");
        Path model = Path.of(ResultsSweep.stringArg(args, "--model", Fixtures.fmnistModel().toString())).toAbsolutePath();
        System.out.printf(Locale.ROOT, "collector benchmark: %s, %d images, batch %d, %d rounds; %s; %s%n",
                model, images, batch, rounds, Fixtures.cpuModel(), Fixtures.machine());

        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), images);
        byte[][] pngs = new byte[images][];
        for (int i = 0; i < images; i++) {
            pngs[i] = TrafficReplayer.png(set, i);
        }
        Preprocessor pre = Fixtures.preprocessor(model);
        float[] all = decodeAll(pngs, pre);
        ModelProto proto = OnnxModels.read(model).model();

        Path work = Files.createTempDirectory("vbp-collector-bench");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start();
             ModelSession plain = new ModelSession(proto);
             InstrumentedSession instrumented = new InstrumentedSession(proto, MlpBlockFinder.find(proto))) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            produce(broker.bootstrapServers(), pngs);
            ArtifactRef ref = new DirectoryModelStore(work.resolve("store")).put(model);
            long[] shape = {batch, pre.channels(), pre.height(), pre.width()};

            double[] plainRate = new double[rounds];
            double[] instrRate = new double[rounds];
            double[][] collectorRate = new double[covariance.size()][rounds];
            double[][] collectorInference = new double[covariance.size()][rounds];
            pass(plain, null, all, pre, shape, images); // warm-up
            pass(null, instrumented, all, pre, shape, images);
            for (int r = 0; r < rounds; r++) {
                plainRate[r] = pass(plain, null, all, pre, shape, images);
                instrRate[r] = pass(null, instrumented, all, pre, shape, images);
                for (int c = 0; c < covariance.size(); c++) {
                    double[] run = collectorRun(app, model, broker, ref, work, r * covariance.size() + c, images, batch,
                            covariance.get(c), flushImages);
                    collectorRate[c][r] = run[0];
                    collectorInference[c][r] = run[1];
                    System.out.printf(Locale.ROOT, "round %d: plain %.0f img/s, in-graph moments %.0f img/s, collector "
                                    + "(co-moments %s) %.0f img/s (its inference alone %.0f img/s); collector / plain %.3f%n",
                            r + 1, plainRate[r], instrRate[r], covariance.get(c), collectorRate[c][r], collectorInference[c][r],
                            collectorRate[c][r] / plainRate[r]);
                }
            }
            double[] momentsRatio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                momentsRatio[r] = instrRate[r] / plainRate[r];
            }
            System.out.printf(Locale.ROOT, "%nmedians over %d rounds at batch %d:%n", rounds, batch);
            System.out.printf(Locale.ROOT, "  plain ONNX Runtime          %7.0f images/s%n", LatencyBench.median(plainRate));
            System.out.printf(Locale.ROOT, "  in-graph moments (ORT)      %7.0f images/s   moments overhead: %.3f of plain%n",
                    LatencyBench.median(instrRate), LatencyBench.median(momentsRatio));
            for (int c = 0; c < covariance.size(); c++) {
                double[] ratio = new double[rounds];
                double[] vsFirst = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = collectorRate[c][r] / plainRate[r];
                    vsFirst[r] = collectorRate[c][r] / collectorRate[0][r];
                }
                System.out.printf(Locale.ROOT, "  collector, co-moments %-7s %7.0f images/s   collector / plain: %.3f   / collector"
                                + " with co-moments %s: %.3f%n", covariance.get(c), LatencyBench.median(collectorRate[c]),
                        LatencyBench.median(ratio), covariance.get(0), LatencyBench.median(vsFirst));
                System.out.printf(Locale.ROOT, "    its inference only        %7.0f images/s   (DJL instrumented batches, from its histogram)%n",
                        LatencyBench.median(collectorInference[c]));
            }
        }
    }

    static float[] decodeAll(byte[][] pngs, Preprocessor pre) {
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        float[] all = new float[pngs.length * pre.size()];
        for (int i = 0; i < pngs.length; i++) {
            pre.image(decoder.decode(pngs[i], "image/png"), all, i * pre.size());
        }
        return all;
    }

    /** One pass over all images in batches; images per second. */
    static double pass(ModelSession plain, InstrumentedSession instrumented, float[] all, Preprocessor pre,
                               long[] shape, int images) {
        int b = (int) shape[0];
        float[] buf = new float[b * pre.size()];
        long t0 = System.nanoTime();
        int done = 0;
        for (int from = 0; from + b <= images; from += b) {
            System.arraycopy(all, from * pre.size(), buf, 0, buf.length);
            if (plain != null) {
                plain.logits(buf, shape);
            } else {
                instrumented.runInstrumented(buf, shape);
            }
            done += b;
        }
        return done / ((System.nanoTime() - t0) / 1e9);
    }

    private static void produce(String bootstrap, byte[][] pngs) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 10),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < pngs.length; i++) {
                RecordHeaders h = new RecordHeaders();
                VbpHeaders.put(h, VbpHeaders.CONTENT_TYPE, "image/png");
                p.send(new ProducerRecord<>(Topic.IMAGES.topicName(), null, "img-" + i, pngs[i], h));
            }
            p.flush();
        }
    }

    /**
     * {steady-state images/s, inference-only images/s} of one collector process over the whole topic. The rate comes
     * from the timestamps of the predictions it produced (10th to 90th percentile image), so nothing polls the
     * process while it works; its metrics are read once a second only to see when it is done.
     */
    private static double[] collectorRun(Path app, Path model, LocalKafkaBroker broker, ArtifactRef ref, Path work, int round,
                                         int images, int batch, String covariance, int flushImages) throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("vbp.collector.instance-id", "bench-" + round);
        s.put("vbp.collector.group", "bench-" + round);
        s.put("vbp.collector.model.uri", ref.uri().toString());
        s.put("vbp.collector.model.id", "bench");
        s.put("vbp.collector.model.card", model.resolveSibling("model.json").toString());
        s.put("vbp.collector.store.directory", work.resolve("store").toString());
        s.put("vbp.collector.batch.size", Integer.toString(batch));
        if (flushImages > 0) {
            // a window is at least one poll: with the topic filled in advance a poll brings max-poll-records images
            s.put("vbp.collector.flush.images", Integer.toString(flushImages));
            s.put("vbp.collector.batch.max-poll-records", Integer.toString(flushImages));
        }
        if (covariance.equals("off")) {
            s.put("vbp.collector.covariance.enabled", "false");
        } else if (!covariance.equals("default")) {
            s.put("vbp.collector.covariance.tokens-per-image", covariance);
        }
        Map<Integer, Long> start = new java.util.HashMap<>();
        for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
            start.merge(r.partition(), r.offset() + 1, Math::max);
        }
        String counter = "vbp_collector_images_total{model=\"bench\",version=\"base\"}";
        // the heap HeapBudget gives the model (a DeiT-Base collector is refused below 1664m)
        List<Integer> widths = io.vbpstream.core.onnx.MlpBlockFinder.find(io.vbpstream.core.onnx.OnnxModels.read(model).model())
                .stream().map(io.vbpstream.core.onnx.MlpBlock::width).toList();
        long heap = io.vbpstream.core.cost.HeapBudget.of(java.nio.file.Files.size(model), widths, 0, 0,
                !covariance.equals("off")).collectorBytes();
        try (ServiceProcess collector = ServiceProcess.start(app, s, Map.of(), work.resolve("collector-" + round + ".log"),
                io.vbpstream.core.cost.HeapBudget.xmx(heap))) {
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (collector.metric(counter) < images) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the collector did not get through the stream; see " + work);
                }
                Thread.sleep(1000);
            }
            double inferSeconds = collector.metric("vbp_collector_inference_seconds_sum");
            List<Long> times = new ArrayList<>();
            while (times.size() < images) {
                times.clear();
                for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
                    if (r.offset() >= start.getOrDefault(r.partition(), 0L)) {
                        times.add(r.timestamp());
                    }
                }
                Thread.sleep(200);
            }
            Collections.sort(times);
            int lo = images / 10;
            int hi = images * 9 / 10;
            double rate = (hi - lo) / ((times.get(hi) - times.get(lo)) / 1e3);
            return new double[]{rate, images / inferSeconds};
        }
    }
}
