package io.vbpstream.pruner.prune;

import java.util.Locale;

/**
 * The validation gate's early decision: after each batch, a candidate passes as soon as the confidence bounds clear
 * both thresholds and fails as soon as one bound misses, never before {@code minImages}. The bounds hold at
 * {@code confidence} over every look of a gate together (Bonferroni over at most {@code looks} looks, each two-sided):
 * a Wilson score interval for the top-1 agreement, and for the accuracy the normal interval of the paired difference
 * {@code d = [candidate right] − minRelativeAccuracy · [parent right]}, whose mean is at least 0 exactly when the
 * candidate keeps {@code minRelativeAccuracy} of the parent's accuracy. Pure arithmetic, tested on its own.
 */
final class SequentialVerdict {

    /** Outcome of one look. */
    enum Call { PASS, FAIL, UNDECIDED }

    /** Fewer labelled images than this and the accuracy's normal interval is not trusted: no early call on it. */
    static final int MIN_LABELLED = 30;

    /** What the gate has seen so far. */
    static final class Tally {
        int images;
        int agree;
        int labelled;
        int rightCandidate;
        int rightParent;
        private double sumD;
        private double sumD2;

        void add(int candidate, int parent, int label, double minRelativeAccuracy) {
            images++;
            agree += candidate == parent ? 1 : 0;
            if (label >= 0) {
                labelled++;
                int c = candidate == label ? 1 : 0;
                int p = parent == label ? 1 : 0;
                rightCandidate += c;
                rightParent += p;
                double d = c - minRelativeAccuracy * p;
                sumD += d;
                sumD2 += d * d;
            }
        }

        double agreement() {
            return images == 0 ? 0 : (double) agree / images;
        }
    }

    private final double minAgreement;
    private final double minRelativeAccuracy;
    private final int minImages;
    private final double z;

    SequentialVerdict(double minAgreement, double minRelativeAccuracy, double confidence, int minImages, int looks) {
        if (!(confidence > 0 && confidence < 1) || minImages < 1 || looks < 1) {
            throw new IllegalArgumentException("confidence must be in (0, 1), min-images and looks positive");
        }
        this.minAgreement = minAgreement;
        this.minRelativeAccuracy = minRelativeAccuracy;
        this.minImages = minImages;
        this.z = normalQuantile(1 - (1 - confidence) / (2.0 * looks));
    }

    /** The z of each look's two-sided interval. */
    double z() {
        return z;
    }

    Call call(Tally t) {
        if (t.images < minImages) {
            return Call.UNDECIDED;
        }
        double[] agreement = wilson(t.agree, t.images);
        if (agreement[1] < minAgreement) {
            return Call.FAIL;
        }
        boolean accuracyClear = true;
        if (t.labelled > 0) {
            if (t.labelled < MIN_LABELLED) {
                accuracyClear = false;
            } else {
                double[] d = accuracyMargin(t);
                if (d[1] < 0) {
                    return Call.FAIL;
                }
                accuracyClear = d[0] >= 0;
            }
        }
        return agreement[0] >= minAgreement && accuracyClear ? Call.PASS : Call.UNDECIDED;
    }

    /** Why an early call was made, for the validation record. */
    String describe(Tally t, Call call) {
        double[] a = wilson(t.agree, t.images);
        return String.format(Locale.ROOT, "%s after %d images: agreement %.4f in [%.4f, %.4f] against %.4f", call,
                t.images, t.agreement(), a[0], a[1], minAgreement);
    }

    /** Wilson score interval of {@code k} successes in {@code n}. */
    double[] wilson(int k, int n) {
        double p = (double) k / n;
        double z2 = z * z;
        double centre = p + z2 / (2 * n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        double denom = 1 + z2 / n;
        return new double[] {(centre - half) / denom, (centre + half) / denom};
    }

    /** Interval of the mean paired difference {@code d}: at least 0 means the accuracy is kept. */
    double[] accuracyMargin(Tally t) {
        double mean = t.sumD / t.labelled;
        double var = Math.max(0, t.sumD2 / t.labelled - mean * mean) * t.labelled / Math.max(1, t.labelled - 1);
        double half = z * Math.sqrt(var / t.labelled);
        return new double[] {mean - half, mean + half};
    }

    /**
     * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9), for
     * {@code p} in (0, 1).
     */
    static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1): " + p);
        }
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -normalQuantile(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
