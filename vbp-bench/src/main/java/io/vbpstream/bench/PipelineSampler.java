package io.vbpstream.bench;

import io.vbpstream.platform.ServiceProcess;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link PipelineBench}'s sampler, once a second while the run goes on: each service's RSS, heap in use and heap
 * committed (a line each to the trace file; the peaks kept), and when each version's neuron statistics settled.
 */
final class PipelineSampler {

    private static final Pattern BLOCK = Pattern.compile(
            "vbp_pruner_block_(samples_ratio|jaccard)\\{[^}]*version=\"([^\"]+)\"[^}]*} (\\S+)");

    private PipelineSampler() {
    }

    /**
     * Samples until {@code running} turns false. {@code peaks}: service name → {peak heap used, peak RSS sampled, when
     * the RSS peaked (seconds from {@code t0}), the heap committed then}; {@code settled}: version → seconds when its
     * statistics settled.
     */
    static void sample(Map<String, ServiceProcess> services, Map<String, double[]> peaks, Map<String, Double> settled,
                       AtomicBoolean running, long t0, Path traceFile) {
        PrintWriter trace;
        try {
            trace = new PrintWriter(Files.newBufferedWriter(traceFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        trace.println("seconds\tservice\trss_mib\theap_used_mib\theap_committed_mib");
        while (running.get()) {
            try {
                double t = (System.currentTimeMillis() - t0) / 1e3;
                Map<String, String> scrapes = new LinkedHashMap<>();
                for (Map.Entry<String, ServiceProcess> e : services.entrySet()) {
                    String metrics = e.getValue().get("/q/metrics").body();
                    scrapes.put(e.getKey(), metrics);
                    double heap = ServiceProcess.metric(metrics, "jvm_memory_used_bytes{area=\"heap\"}") / (1 << 20);
                    double committed = ServiceProcess.metric(metrics, "jvm_memory_committed_bytes{area=\"heap\"}") / (1 << 20);
                    double rss = ProcessMemory.rssMiB(e.getValue().pid());
                    // {peak heap used, peak RSS, when the RSS peaked, the heap committed then}
                    peaks.merge(e.getKey(), new double[] {heap, rss, t, committed}, (a, b) -> new double[] {Math.max(a[0], b[0]),
                            Math.max(a[1], b[1]), b[1] > a[1] ? b[2] : a[2], b[1] > a[1] ? b[3] : a[3]});
                    trace.printf(Locale.ROOT, "%.0f\t%s\t%.0f\t%.0f\t%.0f%n", t, e.getKey(), rss, heap, committed);
                }
                trace.flush();
                settle(scrapes.get("pruner"), settled, t0);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // a service between answers: the next second
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                break;
            }
        }
        trace.close();
    }

    /**
     * Statistics settled: every block at n-min with the kept sets stable (the pruner's defaults: 1, 0.95); the first
     * time a version is seen so, the seconds from {@code t0} go in {@code settled}.
     */
    private static void settle(String prunerMetrics, Map<String, Double> settled, long t0) {
        Map<String, boolean[]> byVersion = new TreeMap<>();
        Matcher m = BLOCK.matcher(prunerMetrics);
        while (m.find()) {
            double v = Double.parseDouble(m.group(3));
            boolean ok = m.group(1).equals("samples_ratio") ? v >= 1 : v >= 0.95;
            byVersion.merge(m.group(2), new boolean[] {ok}, (a, b) -> new boolean[] {a[0] && b[0]});
        }
        double now = (System.currentTimeMillis() - t0) / 1e3;
        byVersion.forEach((version, ok) -> {
            if (ok[0]) {
                settled.putIfAbsent(version, now);
            }
        });
    }
}
