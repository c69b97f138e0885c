package io.vbpstream.bench;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.replayer.TrafficReplayer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What {@link PipelineBench} (and {@link PrunerRound}) measure at the end of a run: the collector's rate from its
 * predictions, plain ONNX Runtime on the same model, each service's memory, and the bytes each topic holds.
 */
final class PipelineMeasures {

    private PipelineMeasures() {
    }

    /** The collector's rate from its predictions' timestamps, between the 10th and 90th percentile. */
    static double collectorRate(LocalKafkaBroker broker) {
        List<Long> times = predictionTimes(broker);
        if (times.size() < 20) {
            return Double.NaN;
        }
        return percentileRate(times);
    }

    /** The timestamps of the records on {@code predictions}, sorted. */
    static List<Long> predictionTimes(LocalKafkaBroker broker) {
        List<Long> times = new ArrayList<>();
        for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.PREDICTIONS.topicName())) {
            times.add(r.timestamp());
        }
        Collections.sort(times);
        return times;
    }

    /** Records/s between the 10th and the 90th percentile of sorted timestamps (milliseconds). */
    static double percentileRate(List<Long> sorted) {
        int lo = sorted.size() / 10;
        int hi = sorted.size() * 9 / 10;
        return (hi - lo) / ((sorted.get(hi) - sorted.get(lo)) / 1e3);
    }

    /** The phase after the last verdict, the last version serving. */
    static final String AFTER_LAST = "after the last verdict";

    /**
     * The collector's predictions and seconds in each kind of phase of the run (seconds from {@code t0}): gathering
     * the statistics of the served version (from its first prediction, or its promotion, to its prune), pruning,
     * validating a candidate, and the last version serving after its verdict up to {@code endSeconds}. Each phase is
     * {@code {predictions, seconds}} summed over the generations.
     */
    static Map<String, double[]> phaseRates(List<Long> sorted, long t0, List<PipelineFollower.Generation> done,
                                            double endSeconds) {
        Map<String, double[]> out = new LinkedHashMap<>();
        if (sorted.isEmpty()) {
            return out;
        }
        double start = (sorted.get(0) - t0) / 1e3;
        for (PipelineFollower.Generation g : done) {
            double pruneStart = g.candidate() - g.prune();
            phase(out, "gathering statistics", sorted, t0, Math.max(start, g.from()), pruneStart);
            phase(out, "pruning", sorted, t0, pruneStart, g.candidate());
            phase(out, "validating a candidate", sorted, t0, g.candidate(), g.verdictAt());
            start = g.verdictAt();
        }
        phase(out, AFTER_LAST, sorted, t0, start, endSeconds);
        return out;
    }

    private static void phase(Map<String, double[]> out, String name, List<Long> sorted, long t0, double from, double to) {
        if (to <= from) {
            return;
        }
        long a = t0 + Math.round(from * 1e3);
        long b = t0 + Math.round(to * 1e3);
        double[] sum = out.computeIfAbsent(name, k -> new double[2]);
        sum[0] += countBefore(sorted, b) - countBefore(sorted, a);
        sum[1] += to - from;
    }

    /** How many of the sorted timestamps are below {@code ms}. */
    private static int countBefore(List<Long> sorted, long ms) {
        int i = Collections.binarySearch(sorted, ms);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && sorted.get(i - 1) == ms) {
            i--;
        }
        return i;
    }

    /** Plain ONNX Runtime on the same model, in this JVM, batch {@code batch}, after one warm-up pass: images/s. */
    static double plainRate(Path model, IdxImages.Images set, Preprocessor pre, int batch, int n) throws IOException {
        byte[][] pngs = new byte[n][];
        for (int i = 0; i < n; i++) {
            pngs[i] = TrafficReplayer.png(set, i);
        }
        float[] decoded = CollectorBench.decodeAll(pngs, pre);
        long[] shape = {batch, pre.channels(), pre.height(), pre.width()};
        try (ModelSession session = new ModelSession(model)) {
            CollectorBench.pass(session, null, decoded, pre, shape, Math.min(n, 2 * batch));
            double[] rounds = new double[3];
            for (int r = 0; r < rounds.length; r++) {
                rounds[r] = CollectorBench.pass(session, null, decoded, pre, shape, n);
            }
            return LatencyBench.median(rounds);
        }
    }

    /**
     * Per service: {peak RSS (the process's own high-water mark), peak heap used, when the sampled RSS peaked, the
     * heap committed then}, from the sampler's {@code peaks} (NaN where it got none).
     */
    static Map<String, double[]> memory(Map<String, ServiceProcess> services, Map<String, double[]> peaks) {
        Map<String, double[]> memory = new LinkedHashMap<>();
        for (Map.Entry<String, ServiceProcess> e : services.entrySet()) {
            double[] p = peaks.getOrDefault(e.getKey(), new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN});
            memory.put(e.getKey(), new double[] {ProcessMemory.peakRssMiB(e.getValue().pid()), p[0], p[2], p[3]});
        }
        return memory;
    }

    /** Bytes of the log segments of each topic in the broker's data folder. */
    static Map<String, Long> topicBytes(Path data) throws IOException {
        Map<String, Long> bytes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(data)) {
            files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".log")).forEach(p -> {
                String topic = p.getParent().getFileName().toString().replaceAll("-[0-9]+$", "");
                try {
                    bytes.merge(topic, Files.size(p), Long::sum);
                } catch (IOException e) {
                    // a segment rolled away meanwhile
                }
            });
        }
        return bytes;
    }
}
