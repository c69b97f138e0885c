package io.vbpstream.pruner.prune;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.runtime.LatencyBench;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.platform.message.ModelVersion;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the candidate on a sample of recent traffic and compares it with its parent: top-1 agreement, accuracy where
 * labels exist, and the latency ratio. The parent's answers come with the sample when the collector already predicted
 * those images ({@link RecentImages#readPredicted}), so only the candidate runs; otherwise both run on the same
 * batches. After each batch, once {@code minImages} are in, {@link SequentialVerdict} may stop early. Below
 * {@code minAgreement}, or below {@code minRelativeAccuracy} of the parent's accuracy, the candidate is rejected; so is
 * a sample of fewer than {@code minImages} images.
 */
public final class ValidationGate {

    /** The settings: thresholds, the sample's floor and the early stop's confidence, the batch size. */
    public record Settings(double minAgreement, double minRelativeAccuracy, int minImages, double confidence, int batch) {
    }

    private final Settings settings;

    public ValidationGate(Settings settings) {
        this.settings = settings;
    }

    /**
     * @param parent    opens the parent's session: for the latency comparison, and for its answers when the sample
     *                  has none
     * @param candidate opens the candidate's session
     */
    public ModelVersion.Validation validate(Supplier<ModelSession> parent, Supplier<ModelSession> candidate,
                                            RecentImages.Sample sample, ModelCard card) {
        if (sample.count() < settings.minImages()) {
            return new ModelVersion.Validation(sample.count(), 0, -1, -1, 0, sample.ranges(sample.count()),
                    String.format(Locale.ROOT, "only %d images to validate on, fewer than the gate's minimum of %d",
                            sample.count(), settings.minImages()));
        }
        long[] shape = {0, card.input().channels(), card.input().height(), card.input().width()};
        int per = (int) (shape[1] * shape[2] * shape[3]);
        int looks = (sample.count() + settings.batch() - 1) / settings.batch();
        SequentialVerdict verdict = new SequentialVerdict(settings.minAgreement(), settings.minRelativeAccuracy(),
                settings.confidence(), settings.minImages(), looks);
        SequentialVerdict.Tally tally = new SequentialVerdict.Tally();
        SequentialVerdict.Call call = SequentialVerdict.Call.UNDECIDED;
        try (ModelSession c = candidate.get(); ModelSession p = sample.parentTop1() == null ? parent.get() : null) {
            for (int from = 0; from < sample.count() && call == SequentialVerdict.Call.UNDECIDED; from += settings.batch()) {
                int n = Math.min(settings.batch(), sample.count() - from);
                int[] yc = top1(c, sample, from, n, shape, per);
                int[] yp = p == null ? Arrays.copyOfRange(sample.parentTop1(), from, from + n) : top1(p, sample, from, n, shape, per);
                for (int i = 0; i < n; i++) {
                    tally.add(yc[i], yp[i], sample.labels()[from + i], settings.minRelativeAccuracy());
                }
                call = verdict.call(tally);
            }
            double latencyRatio = latencyRatio(p, parent, c, sample, shape, per);
            return record(tally, call, verdict, sample, latencyRatio);
        }
    }

    /** Candidate over parent at batch 1, interleaved (a DeiT-Base batch of 64 would take a minute per model run). */
    private static double latencyRatio(ModelSession open, Supplier<ModelSession> parent, ModelSession c,
                                       RecentImages.Sample sample, long[] shape, int per) {
        long[] one = shape.clone();
        one[0] = 1;
        float[] first = Arrays.copyOf(sample.inputs(), per);
        if (open != null) {
            return 1.0 / LatencyBench.compare(open, c, first, one, 2, 9).speedup();
        }
        try (ModelSession p = parent.get()) {
            return 1.0 / LatencyBench.compare(p, c, first, one, 2, 9).speedup();
        }
    }

    private ModelVersion.Validation record(SequentialVerdict.Tally t, SequentialVerdict.Call call, SequentialVerdict verdict,
                                           RecentImages.Sample sample, double latencyRatio) {
        double agreement = t.agreement();
        double accP = t.labelled == 0 ? -1 : (double) t.rightParent / t.labelled;
        double accC = t.labelled == 0 ? -1 : (double) t.rightCandidate / t.labelled;
        String reason = null;
        boolean failed = call == SequentialVerdict.Call.FAIL || (call == SequentialVerdict.Call.UNDECIDED && !passes(t, accP, accC));
        if (failed) {
            boolean early = call == SequentialVerdict.Call.FAIL;
            boolean agreementFailed = early ? verdict.wilson(t.agree, t.images)[1] < settings.minAgreement()
                    : agreement < settings.minAgreement();
            String why = early ? " (" + verdict.describe(t, call) + ")" : "";
            if (agreementFailed) {
                reason = String.format(Locale.ROOT, "agreement %.4f < %.4f%s", agreement, settings.minAgreement(), why);
            } else {
                reason = String.format(Locale.ROOT, "accuracy %.4f is %.4f of the parent's %.4f < %.4f%s", accC,
                        accP > 0 ? accC / accP : 0, accP, settings.minRelativeAccuracy(), why);
            }
        }
        return new ModelVersion.Validation(t.images, agreement, accC, accP, latencyRatio, sample.ranges(t.images), reason);
    }

    /** The point estimates' verdict, once every image of the sample has been seen. */
    private boolean passes(SequentialVerdict.Tally t, double accP, double accC) {
        return t.agreement() >= settings.minAgreement()
                && (t.labelled == 0 || accP <= 0 || accC / accP >= settings.minRelativeAccuracy());
    }

    private static int[] top1(ModelSession s, RecentImages.Sample sample, int from, int n, long[] shape, int per) {
        long[] bs = shape.clone();
        bs[0] = n;
        float[] x = Arrays.copyOfRange(sample.inputs(), from * per, (from + n) * per);
        float[][] logits = s.logits(x, bs);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < logits[i].length; k++) {
                best = logits[i][k] > logits[i][best] ? k : best;
            }
            out[i] = best;
        }
        return out;
    }
}
