package io.vbpstream.core.runtime;

import java.util.Arrays;

/**
 * Compares the latency of two sessions on the same input, interleaving their runs so that machine noise hits both
 * alike. Reports medians and the median ratio.
 */
public final class LatencyBench {

    private LatencyBench() {
    }

    /** Median milliseconds per batch of each session and {@code baseline / candidate} (a speedup when above 1). */
    public record Comparison(int batch, double baselineMs, double candidateMs, double speedup) {
    }

    public static Comparison compare(ModelSession baseline, ModelSession candidate, float[] input, long[] shape,
                                     int warmup, int rounds) {
        for (int i = 0; i < warmup; i++) {
            baseline.logits(input, shape);
            candidate.logits(input, shape);
        }
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            boolean baselineFirst = (i & 1) == 0;
            if (baselineFirst) {
                a[i] = time(baseline, input, shape);
                b[i] = time(candidate, input, shape);
            } else {
                b[i] = time(candidate, input, shape);
                a[i] = time(baseline, input, shape);
            }
            ratio[i] = a[i] / b[i];
        }
        return new Comparison((int) shape[0], median(a), median(b), median(ratio));
    }

    /** Median milliseconds per run of one session. */
    public static double medianMs(ModelSession session, float[] input, long[] shape, int warmup, int rounds) {
        for (int i = 0; i < warmup; i++) {
            session.logits(input, shape);
        }
        double[] t = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            t[i] = time(session, input, shape);
        }
        return median(t);
    }

    private static double time(ModelSession s, float[] input, long[] shape) {
        long t0 = System.nanoTime();
        s.logits(input, shape);
        return (System.nanoTime() - t0) / 1e6;
    }

    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
