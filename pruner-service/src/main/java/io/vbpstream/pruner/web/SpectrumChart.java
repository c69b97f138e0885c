package io.vbpstream.pruner.web;

import java.util.Arrays;
import java.util.Locale;

/**
 * A block's variance spectrum as an inline SVG: per-neuron variances sorted ascending on a log scale, with the
 * pruning threshold (the largest variance the plan removes) as a dashed line and the removed share shaded.
 */
final class SpectrumChart {

    private static final int W = 320;
    private static final int H = 120;
    private static final int PAD = 6;

    private SpectrumChart() {
    }

    static String svg(String title, double[] variance, int removed) {
        double[] v = variance.clone();
        Arrays.sort(v);
        double floor = 1e-12;
        double lo = Math.log10(Math.max(v[0], floor));
        double hi = Math.log10(Math.max(v[v.length - 1], floor));
        if (hi - lo < 1e-9) {
            hi = lo + 1;
        }
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            double x = PAD + (W - 2.0 * PAD) * i / Math.max(1, v.length - 1);
            double y = H - PAD - (H - 2.0 * PAD) * (Math.log10(Math.max(v[i], floor)) - lo) / (hi - lo);
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg class=\"spectrum\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "xmlns=\"http://www.w3.org/2000/svg\"><title>%s</title>", W, H, W, H, Html.escape(title)));
        s.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#ccc\"/>", W, H));
        if (removed > 0) {
            double xr = PAD + (W - 2.0 * PAD) * (removed - 0.5) / Math.max(1, v.length - 1);
            double thr = v[removed - 1];
            double yt = H - PAD - (H - 2.0 * PAD) * (Math.log10(Math.max(thr, floor)) - lo) / (hi - lo);
            s.append(String.format(Locale.ROOT, "<rect class=\"removed\" x=\"%d\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"#fde2e2\"/>",
                    PAD, xr - PAD, H));
            s.append(String.format(Locale.ROOT, "<line class=\"threshold\" x1=\"0\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                    + "stroke=\"#c0392b\" stroke-dasharray=\"4 3\"><title>threshold %.3g</title></line>", yt, W, yt, thr));
        }
        s.append("<polyline fill=\"none\" stroke=\"#2c3e50\" stroke-width=\"1.5\" points=\"").append(pts.toString().trim()).append("\"/>");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"14\" font-size=\"11\" fill=\"#333\">%s</text>", PAD + 2, Html.escape(title)));
        s.append("</svg>");
        return s.toString();
    }
}
