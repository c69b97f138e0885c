package io.vbpstream.bench;

import io.vbpstream.platform.LocalKafkaBroker;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import io.vbpstream.platform.message.ModelVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows {@link PipelineBench}'s generations on {@code model-versions} and in the pruner's log: each one's
 * CANDIDATE and verdict, and its prune and gate times.
 */
final class PipelineFollower {

    private static final Pattern TIMES = Pattern.compile("(\\S+): (PROMOTED|REJECTED) \\(.*\\); prune ([0-9.]+) s, validate ([0-9.]+) s");

    private PipelineFollower() {
    }

    /** One generation's times, in seconds from the first image. */
    record Generation(ModelVersion verdict, double from, double statisticsSettled, double candidate,
                      double prune, double gate, double verdictAt) {
    }

    /** Waits for the generations' verdicts: the first promoted one, or every one up to the final target. */
    static List<Generation> follow(LocalKafkaBroker broker, ServiceProcess pruner, Path work, long t0,
                                   Map<String, Double> settled, boolean untilFinal, double finalTarget,
                                   int timeout) throws Exception {
        List<Generation> out = new ArrayList<>();
        long deadline = t0 + timeout * 1000L;
        while (System.currentTimeMillis() < deadline) {
            Map<String, ModelVersion> candidates = new LinkedHashMap<>();
            Map<String, ModelVersion> verdicts = new LinkedHashMap<>();
            for (var r : TopicReader.readAll(broker.bootstrapServers(), Topic.MODEL_VERSIONS.topicName())) {
                ModelVersion v = ModelVersion.read(r.value());
                if (v.status() == ModelVersion.Status.CANDIDATE) {
                    candidates.put(v.version(), v);
                } else if (v.generation() > 0 && v.validation() != null) {
                    verdicts.put(v.version(), v);
                }
            }
            if (verdicts.size() > out.size()) {
                out.clear();
                Map<String, double[]> times = new LinkedHashMap<>();
                Matcher m = TIMES.matcher(Files.readString(work.resolve("pruner.log")));
                while (m.find()) {
                    times.put(m.group(1), new double[] {Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))});
                }
                double from = 0;
                for (ModelVersion v : verdicts.values()) {
                    double[] pg = times.getOrDefault(v.key(), new double[] {Double.NaN, Double.NaN});
                    double candidate = seconds(candidates.containsKey(v.version()) ? candidates.get(v.version()).createdAt()
                            : v.createdAt(), t0);
                    out.add(new Generation(v, from, settled.getOrDefault(v.parentVersion(), Double.NaN), candidate,
                            pg[0], pg[1], seconds(v.updatedAt(), t0)));
                    if (v.status() == ModelVersion.Status.PROMOTED) {
                        from = seconds(v.updatedAt(), t0);
                    }
                }
                ModelVersion last = out.get(out.size() - 1).verdict();
                boolean promoted = last.status() == ModelVersion.Status.PROMOTED;
                // the final target is against the base; a version's own macsReduction is against its parent
                if (promoted && (!untilFinal || fromBase(last) >= finalTarget - 1e-3)) {
                    return out;
                }
            }
            Thread.sleep(1000);
        }
        System.out.printf("timed out after %d s with %d verdicts%n", timeout, out.size());
        return out;
    }

    /** The version's MACs reduction against the base model (its record's own is against its parent). */
    static double fromBase(ModelVersion v) {
        return 1.0 - (double) v.pruning().macs() / v.pruning().baseMacs();
    }

    private static double seconds(String instant, long t0) {
        return (Instant.parse(instant).toEpochMilli() - t0) / 1e3;
    }
}
