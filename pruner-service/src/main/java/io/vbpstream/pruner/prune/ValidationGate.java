package io.vbpstream.pruner.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.platform.message.ModelVersion;

import java.util.Arrays;
import java.util.Locale;

/**
 * Runs the candidate and its parent on the same sample of recent traffic: top-1 agreement with the parent, accuracy
 * where labels exist, and the latency ratio. Below {@code minAgreement}, or below {@code minRelativeAccuracy} of the
 * parent's accuracy, the candidate is rejected.
 */
public final class ValidationGate {

    private final double minAgreement;
    private final double minRelativeAccuracy;
    private final int batch;

    public ValidationGate(double minAgreement, double minRelativeAccuracy, int batch) {
        this.minAgreement = minAgreement;
        this.minRelativeAccuracy = minRelativeAccuracy;
        this.batch = batch;
    }

    public ModelVersion.Validation validate(ModelProto parent, ModelProto candidate, RecentImages.Sample sample, ModelCard card) {
        if (sample.count() == 0) {
            return new ModelVersion.Validation(0, 0, -1, -1, 0, sample.ranges(), "no recent images to validate on");
        }
        long[] shape = {0, card.input().channels(), card.input().height(), card.input().width()};
        try (ModelSession p = new ModelSession(parent); ModelSession c = new ModelSession(candidate)) {
            int[] yp = predict(p, sample, shape);
            int[] yc = predict(c, sample, shape);
            int agree = 0;
            int labelled = 0;
            int rightP = 0;
            int rightC = 0;
            for (int i = 0; i < sample.count(); i++) {
                agree += yp[i] == yc[i] ? 1 : 0;
                if (sample.labels()[i] >= 0) {
                    labelled++;
                    rightP += yp[i] == sample.labels()[i] ? 1 : 0;
                    rightC += yc[i] == sample.labels()[i] ? 1 : 0;
                }
            }
            double agreement = (double) agree / sample.count();
            double accP = labelled == 0 ? -1 : (double) rightP / labelled;
            double accC = labelled == 0 ? -1 : (double) rightC / labelled;
            int b = Math.min(batch, sample.count());
            long[] bs = shape.clone();
            bs[0] = b;
            float[] first = Arrays.copyOf(sample.inputs(), b * size(shape));
            LatencyBench.Comparison lat = LatencyBench.compare(p, c, first, bs, 3, 15);
            String reason = null;
            if (agreement < minAgreement) {
                reason = String.format(Locale.ROOT, "agreement %.4f < %.4f", agreement, minAgreement);
            } else if (labelled > 0 && accP > 0 && accC / accP < minRelativeAccuracy) {
                reason = String.format(Locale.ROOT, "accuracy %.4f is %.4f of the parent's %.4f < %.4f", accC, accC / accP,
                        accP, minRelativeAccuracy);
            }
            return new ModelVersion.Validation(sample.count(), agreement, accC, accP, 1.0 / lat.speedup(), sample.ranges(), reason);
        }
    }

    private int[] predict(ModelSession s, RecentImages.Sample sample, long[] shape) {
        int per = size(shape);
        int[] out = new int[sample.count()];
        for (int from = 0; from < sample.count(); from += batch) {
            int n = Math.min(batch, sample.count() - from);
            long[] bs = shape.clone();
            bs[0] = n;
            float[] x = Arrays.copyOfRange(sample.inputs(), from * per, (from + n) * per);
            float[][] logits = s.logits(x, bs);
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int k = 1; k < logits[i].length; k++) {
                    best = logits[i][k] > logits[i][best] ? k : best;
                }
                out[from + i] = best;
            }
        }
        return out;
    }

    private static int size(long[] shape) {
        return (int) (shape[1] * shape[2] * shape[3]);
    }
}
