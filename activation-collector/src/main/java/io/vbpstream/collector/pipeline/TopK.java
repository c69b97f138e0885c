package io.vbpstream.collector.pipeline;

import io.vbpstream.platform.message.Prediction;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Softmax over one row of logits, and its {@code k} most probable classes, best first. */
public final class TopK {

    private TopK() {
    }

    public static List<Prediction.Scored> of(float[] logits, int offset, int classes, int k, IntFunction<String> label) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < classes; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] p = new double[classes];
        double total = 0;
        for (int i = 0; i < classes; i++) {
            p[i] = Math.exp(logits[offset + i] - max);
            total += p[i];
        }
        int n = Math.min(k, classes);
        boolean[] taken = new boolean[classes];
        List<Prediction.Scored> out = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            int best = -1;
            for (int i = 0; i < classes; i++) {
                // NaN logits (a broken model) never win; the first class stands in so the list stays k long
                if (!taken[i] && (best < 0 || p[i] > p[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            out.add(new Prediction.Scored(best, label.apply(best), p[best] / total));
        }
        return out;
    }
}
