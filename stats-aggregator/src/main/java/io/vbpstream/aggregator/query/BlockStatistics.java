package io.vbpstream.aggregator.query;

import io.vbpstream.aggregator.streams.RunningMoments;
import io.vbpstream.core.stats.Moments;

import java.util.Arrays;

/**
 * One block's running statistics as served over REST.
 *
 * @param count    samples merged (tokens x images)
 * @param deltas   moments deltas merged
 * @param mean     per-neuron mean
 * @param variance per-neuron population variance (M2 / count)
 * @param summary  quantiles of the variance spectrum, if asked for
 * @param servedBy the instance ({@code application.server}) whose store answered
 */
public record BlockStatistics(String model, String version, String block, int width, long count, long deltas,
                              long lastMergedAt, double[] mean, double[] variance, VarianceSummary summary,
                              String servedBy) {

    /** Quantiles of the per-neuron variances: what a pruning threshold would cut. */
    public record VarianceSummary(double min, double p10, double p25, double median, double p75, double p90,
                                  double max, double mean, int zero) {

        static VarianceSummary of(double[] variance) {
            double[] s = variance.clone();
            Arrays.sort(s);
            double total = 0;
            int zero = 0;
            for (double v : s) {
                total += v;
                zero += v == 0 ? 1 : 0;
            }
            return new VarianceSummary(s[0], q(s, 0.10), q(s, 0.25), q(s, 0.5), q(s, 0.75), q(s, 0.90), s[s.length - 1],
                    total / s.length, zero);
        }

        /** Linear interpolation between closest ranks. */
        private static double q(double[] sorted, double p) {
            double pos = p * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = (int) Math.ceil(pos);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
        }
    }

    static BlockStatistics of(String model, String version, String block, RunningMoments r, boolean summary,
                              String servedBy) {
        Moments m = r.moments();
        double[] variance = m.variance();
        return new BlockStatistics(model, version, block, m.width(), m.count(), r.deltas(), r.lastMergedAt(), m.mean(),
                variance, summary ? VarianceSummary.of(variance) : null, servedBy);
    }
}
