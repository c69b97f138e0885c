package io.vbpstream.bench;

import io.vbpstream.core.cost.HeapBudget;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole pipeline on any model, as a user runs it: a real broker, the three packaged services with the heaps
 * {@link HeapBudget} gives the model and default settings otherwise, and Fashion-MNIST test images replayed at a rate
 * (or flat out). Per generation up to the first promoted version (or the final target): first image → CANDIDATE →
 * verdict, with the stages (statistics settled, waiting for the covariance, prune, gate); the collector's images/s
 * against plain ONNX Runtime on the same model in the same run; transactions committed and aborted; peak RSS and
 * heap per service, and when the RSS peaked (every second's RSS, heap in use and heap committed per service go to
 * {@code memory.tsv} in the logs folder the run prints); bytes each topic holds per image.
 *
 * <p>Traffic goes on until the run ends, as in production: at {@code --rate} images/s, or flat out with at most
 * {@code --backlog} images waiting for the collector (so a slow model is measured with a queue in front of it, not
 * with millions of images piled up), at most {@code --images} in all.
 *
 * <pre>bench/run.sh pipeline --model M [--card C] [--rate R | --backlog B] [--images N] [--until first|final]
 *                        [--tokens-per-image K] [--set key=value]... [--timeout SECONDS] [--linger SECONDS]</pre>
 * {@code --set} passes a setting to every service (a system property), e.g. {@code --set vbp.ort.arena=false}.
 */
public final class PipelineBench {

    private PipelineBench() {
    }

    public static void main(String[] args) throws Exception {
        PipelineOptions o = PipelineOptions.parse(args);
        Path model = o.model();
        Path root = Fixtures.root();

        ModelCard mc = ModelCard.read(o.card());
        Preprocessor pre = new Preprocessor(mc.input());
        List<Integer> widths = MlpBlockFinder.find(OnnxModels.read(model).model()).stream().map(MlpBlock::width).toList();
        HeapBudget heaps = HeapBudget.of(Files.size(model), widths, pre.size(), 512, true);
        String name = o.modelName();
        System.out.printf(Locale.ROOT, "pipeline benchmark: %s (%.0f MB, %d blocks of %s), %s, until %s, co-moment tokens"
                        + " per image %s; heaps %s; %s; %s%n", name, Files.size(model) / 1e6, widths.size(),
                widths.stream().distinct().toList(), o.rate() > 0 ? "rate " + o.rate() + "/s" : "flat out, backlog " + o.backlog(),
                o.untilFinal() ? "final" : "first", o.tokens().isEmpty() ? "default" : o.tokens(), heaps, Fixtures.cpuModel(),
                Fixtures.machine());

        IdxImages.Images set = IdxImages.readImages(Fixtures.testImages(), 10000);
        int[] labels = IdxImages.readLabels(Fixtures.testLabels(), set.count());
        Path work = Files.createTempDirectory("vbp-pipeline-bench");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            try (Admin admin = broker.admin()) {
                TopicProvisioner.createMissing(admin, (short) 1);
            }
            DirectoryModelStore store = new DirectoryModelStore(work.resolve("store"));
            ArtifactRef base = store.put(model);
            Map<String, String> s = settings(o, name, broker, store, base, work);
            Map<String, ServiceProcess> services = new LinkedHashMap<>();
            Map<String, double[]> peaks = new ConcurrentHashMap<>(); // name -> {peak heap used, peak RSS sampled, when, committed}
            AtomicBoolean sampling = new AtomicBoolean(true);
            try {
                services.put("collector", ServiceProcess.start(root.resolve("activation-collector/target/quarkus-app/quarkus-run.jar"),
                        s, Map.of(), work.resolve("collector.log"), HeapBudget.xmx(heaps.collectorBytes())));
                services.put("aggregator", ServiceProcess.start(root.resolve("stats-aggregator/target/quarkus-app/quarkus-run.jar"),
                        s, Map.of(), work.resolve("aggregator.log"), HeapBudget.xmx(heaps.aggregatorBytes())));
                services.put("pruner", ServiceProcess.start(root.resolve("pruner-service/target/quarkus-app/quarkus-run.jar"),
                        s, Map.of(), work.resolve("pruner.log"), HeapBudget.xmx(heaps.prunerBytes())));
                Map<String, Double> settled = new ConcurrentHashMap<>(); // version -> seconds when its statistics settled
                long t0 = System.currentTimeMillis();
                Thread sampler = new Thread(() -> PipelineSampler.sample(services, peaks, settled, sampling, t0,
                        work.resolve("memory.tsv")), "sampler");
                sampler.setDaemon(true);
                sampler.start();
                ServiceProcess collectorProcess = services.get("collector");
                Thread replay = new Thread(() -> PipelineReplay.replay(broker, collectorProcess, set, labels, o.images(), o.rate(),
                        o.backlog(), sampling), "replay");
                replay.setDaemon(true);
                replay.start();

                double finalTarget = Double.parseDouble(s.getOrDefault("vbp.pruner.policy.final-target", "0.35"));
                List<PipelineFollower.Generation> done = PipelineFollower.follow(broker, services.get("pruner"), work, t0, settled,
                        o.untilFinal(), finalTarget, o.timeout());
                Thread.sleep(o.linger() * 1000L); // the last version serving, traffic going on
                double endSeconds = (System.currentTimeMillis() - t0) / 1e3;
                sampling.set(false);
                sampler.join(5000); // its last lines written before the services stop
                ServiceProcess collector = services.get("collector");
                double committed = collector.metric("vbp_collector_transactions_total{outcome=\"committed\"}");
                double aborted = collector.metric("vbp_collector_transactions_total{outcome=\"aborted\"}");
                double processed = collector.metric("vbp_collector_images_total");
                List<Long> predictionTimes = PipelineMeasures.predictionTimes(broker);
                double rateMeasured = predictionTimes.size() < 20 ? Double.NaN : PipelineMeasures.percentileRate(predictionTimes);
                Map<String, double[]> phases = PipelineMeasures.phaseRates(predictionTimes, t0, done, endSeconds);
                Map<String, double[]> memory = PipelineMeasures.memory(services, peaks);
                Map<String, Double> cpu = new LinkedHashMap<>();
                services.forEach((n, p) -> cpu.put(n, ProcessCpu.seconds(p.pid())));
                cpu.put("broker", ProcessCpu.seconds(broker.pid()));
                cpu.put("bench (replayer, follower)", ProcessCpu.self());
                Map<String, Long> bytes = PipelineMeasures.topicBytes(broker.dataDir());
                for (ServiceProcess p : services.values()) {
                    p.close();
                }
                services.clear();
                // alone on the machine, as the collector would run without the rest of the pipeline beside it
                double plain = PipelineMeasures.plainRate(model, set, pre, 32,
                        Math.min(set.count(), Math.max(64, (int) Math.min(512, rateMeasured * 20))));
                // the last phase serves the last version: it is compared with plain ONNX Runtime on that version
                double plainLast = plain;
                if (o.linger() > 0 && !done.isEmpty()) {
                    Path last = store.artifactFile(done.get(done.size() - 1).verdict().sha256());
                    plainLast = PipelineMeasures.plainRate(last, set, pre, 32, Math.min(set.count(), 256));
                }
                PipelineReport.print(done, rateMeasured, plain, committed, aborted, processed, memory, bytes);
                PipelineReport.printPhases(phases, plain, plainLast);
                PipelineReport.printCpu(cpu, endSeconds);
                System.out.println("logs: " + work);
            } finally {
                sampling.set(false);
                for (ServiceProcess p : services.values()) {
                    p.close();
                }
            }
        }
    }

    /** Every service's settings (system properties): the broker, the model, the store, then each {@code --set}. */
    private static Map<String, String> settings(PipelineOptions o, String name, LocalKafkaBroker broker,
                                                DirectoryModelStore store, ArtifactRef base, Path work) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", broker.bootstrapServers());
        s.put("vbp.collector.model.id", name);
        s.put("vbp.collector.model.uri", base.uri().toString());
        s.put("vbp.collector.model.card", o.card().toString());
        s.put("vbp.collector.store.directory", store.root().toString());
        if (!o.tokens().isEmpty()) {
            s.put("vbp.collector.covariance.tokens-per-image", o.tokens());
        }
        for (String set : o.sets()) {
            String[] kv = set.split("=", 2);
            s.put(kv[0], kv[1]);
            System.out.println("setting " + kv[0] + "=" + kv[1]);
        }
        s.put("vbp.aggregator.state-dir", work.resolve("aggregator").toString());
        s.put("vbp.pruner.model.id", name);
        s.put("vbp.pruner.model.base-uri", base.uri().toString());
        s.put("vbp.pruner.model.card", o.card().toString());
        s.put("vbp.pruner.store.directory", store.root().toString());
        return s;
    }
}
