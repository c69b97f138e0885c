package io.vbpstream.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@link PipelineBench}'s report: the generations' table, the rates, the transactions, memory and bytes per topic. */
final class PipelineReport {

    private PipelineReport() {
    }

    static void print(List<PipelineFollower.Generation> done, double rate, double plain, double committed, double aborted,
                      double processed, Map<String, double[]> memory, Map<String, Long> bytes) {
        System.out.printf(Locale.ROOT, "%n%-20s %8s %7s %9s %8s %8s %7s %7s %9s  %s%n", "version", "from", "stats", "covariance",
                "prune", "gate", "cand.", "verdict", "base MACs", "status");
        for (PipelineFollower.Generation g : done) {
            double stats = g.statisticsSettled() - g.from();
            double cov = Math.max(0, g.candidate() - g.prune() - g.statisticsSettled()); // the sampler looks once a second
            System.out.printf(Locale.ROOT, "%-20s %7.0fs %6.0fs %8.0fs %7.1fs %7.1fs %6.0fs %6.0fs %8.1f%%  %s%s%n",
                    g.verdict().version(), g.from(), stats, cov, g.prune(), g.gate(), g.candidate(), g.verdictAt(),
                    -100 * PipelineFollower.fromBase(g.verdict()), g.verdict().status(),
                    g.verdict().validation().reason() == null ? "" : " (" + g.verdict().validation().reason() + ")");
        }
        System.out.println("  (seconds from the first image; stats: the parent promoted -> its neuron statistics settled;"
                + " covariance: then -> the prune began)");
        System.out.printf(Locale.ROOT, "collector %.2f images/s (predictions, 10th-90th percentile); plain ONNX Runtime %.2f"
                + " images/s on the same model, alone; ratio %.3f%n", rate, plain, rate / plain);
        System.out.printf(Locale.ROOT, "transactions committed %.0f, aborted %.0f; images processed %.0f%n", committed, aborted,
                processed);
        memory.forEach((name, m) -> System.out.printf(Locale.ROOT, "%-10s peak RSS %6.0f MiB, peak heap used %6.0f MiB;"
                + " sampled RSS highest at %.0f s, heap committed then %.0f MiB%n", name, m[0], m[1], m[2], m[3]));
        System.out.println("bytes on the broker's disk per image processed, by topic:");
        bytes.forEach((topic, b) -> {
            if (b > 0 && !topic.startsWith("__")) {
                System.out.printf(Locale.ROOT, "  %-60s %12.1f kB/image (%,.0f MB)%n", topic, b / 1e3 / Math.max(1, processed), b / 1e6);
            }
        });
        System.out.printf(Locale.ROOT, "  %-60s %12.1f MB%n", "all topics", bytes.values().stream().mapToLong(Long::longValue).sum() / 1e6);
    }

    /** Each process's CPU seconds over the run, and its share of what the machine's cores offered in that time. */
    static void printCpu(Map<String, Double> cpu, double seconds) {
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "CPU by process over the run (%.0f s x %d cores = %.0f core-seconds):%n", seconds,
                cores, seconds * cores);
        cpu.forEach((name, c) -> System.out.printf(Locale.ROOT, "  %-28s %8.0f s  %5.1f%%%n", name, c,
                100 * c / (seconds * cores)));
    }

    /**
     * The collector's rate in each kind of phase ({@link PipelineMeasures#phaseRates}) against plain ONNX Runtime on
     * the model it served: the base's {@code plain} for the chain's phases (an approximation after the first
     * generation, whose models are smaller: the ratios are lower bounds there), the last version's {@code plainLast}
     * after the last verdict.
     */
    static void printPhases(Map<String, double[]> phases, double plain, double plainLast) {
        System.out.println("collector by phase (predictions committed in the phase / its seconds, summed over generations):");
        phases.forEach((name, p) -> {
            boolean last = name.equals(PipelineMeasures.AFTER_LAST);
            System.out.printf(Locale.ROOT, "  %-24s %7.0f s %8.0f images %7.2f images/s  %.3f of plain on the %s%n",
                    name, p[1], p[0], p[0] / p[1], p[0] / p[1] / (last ? plainLast : plain), last ? "last version" : "base");
        });
        if (plainLast != plain) {
            System.out.printf(Locale.ROOT, "  (plain ONNX Runtime on the last version: %.2f images/s)%n", plainLast);
        }
    }
}
