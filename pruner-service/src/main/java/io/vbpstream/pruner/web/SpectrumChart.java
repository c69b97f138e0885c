package io.vbpstream.pruner.web;

import java.util.Arrays;
import java.util.Locale;

/**
 * A block's variance spectrum as an inline SVG: neurons sorted by variance on x (ticks at 0, half and the width),
 * variance on a log y axis (a tick and label per decade), the next step's threshold (the largest variance it removes)
 * drawn dashed and labelled with its value, and the removed share shaded and labelled. It scales with its container
 * ({@code viewBox}, CSS width 100%).
 */
final class SpectrumChart {

    static final int W = 360;
    static final int H = 200;
    private static final int LEFT = 52;
    private static final int RIGHT = 10;
    private static final int TOP = 22;
    private static final int BOTTOM = 36;
    private static final double FLOOR = 1e-12;

    private SpectrumChart() {
    }

    static String svg(String title, double[] variance, int removed) {
        // NaN or infinite variances (a block with no samples yet) are left out rather than drawn
        double[] v = Arrays.stream(variance).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return String.format(Locale.ROOT, "<svg class=\"spectrum\" role=\"img\" viewBox=\"0 0 %d %d\" "
                    + "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\"><title>%s</title><text x=\"%d\" y=\"14\">%s: "
                    + "no finite variances yet</text></svg>", W, H, Html.escape(title), LEFT, Html.escape(title));
        }
        removed = Math.max(0, Math.min(removed, v.length));
        double lo = Math.floor(Math.log10(Math.max(v[0], FLOOR)));
        double hi = Math.ceil(Math.log10(Math.max(v[v.length - 1], FLOOR)));
        if (hi - lo < 1) {
            hi = lo + 1;
        }
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder s = new StringBuilder(4096);
        s.append(String.format(Locale.ROOT, "<svg class=\"spectrum\" role=\"img\" viewBox=\"0 0 %d %d\" "
                + "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"system-ui,sans-serif\"><title>%s</title>",
                W, H, Html.escape(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"14\" font-size=\"13\" font-weight=\"600\" fill=\"#222\">%s</text>",
                LEFT, Html.escape(title)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#ccc\"/>",
                LEFT, TOP, plotW, plotH));
        if (removed > 0) {
            double xr = Math.min(LEFT + plotW, x(removed - 0.5, v.length, plotW));
            double thr = v[removed - 1];
            double yt = y(thr, lo, hi, plotH);
            s.append(String.format(Locale.ROOT, "<rect class=\"removed\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.0f\" fill=\"#fde2e2\"/>",
                    LEFT, TOP, xr - LEFT, plotH));
            s.append(String.format(Locale.ROOT, "<text class=\"removed-label\" x=\"%d\" y=\"%.0f\" fill=\"#c0392b\">removed %d (%.0f%%)</text>",
                    LEFT + 4, TOP + plotH - 6, removed, 100.0 * removed / v.length));
            s.append(String.format(Locale.ROOT, "<line class=\"threshold\" x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
                    + "stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>", LEFT, yt, LEFT + plotW, yt));
            s.append(String.format(Locale.ROOT, "<text class=\"threshold-label\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" "
                    + "fill=\"#c0392b\">threshold %s</text>", LEFT + plotW - 4, Math.max(TOP + 10, yt - 4), sci(thr)));
        }
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(i, v.length, plotW), y(v[i], lo, hi, plotH)));
        }
        s.append("<polyline fill=\"none\" stroke=\"#2c3e50\" stroke-width=\"1.5\" points=\"").append(pts.toString().trim()).append("\"/>");
        // y axis: a tick and a label per decade (at most 6 labels)
        s.append(String.format(Locale.ROOT, "<g class=\"axis y-axis\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.0f\" stroke=\"#555\"/>",
                LEFT, TOP, LEFT, TOP + plotH));
        int step = (int) Math.ceil((hi - lo) / 5);
        for (double d = lo; d <= hi + 1e-9; d += step) {
            double yy = y(Math.pow(10, d), lo, hi, plotH);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333\">1e%d</text>", LEFT - 4, yy, LEFT, yy, LEFT - 6, yy + 3, (int) d));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\" text-anchor=\"middle\" "
                + "fill=\"#333\">variance (log)</text></g>", TOP + plotH / 2, TOP + plotH / 2));
        // x axis: neurons sorted by variance
        s.append(String.format(Locale.ROOT, "<g class=\"axis x-axis\"><line x1=\"%d\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#555\"/>",
                LEFT, TOP + plotH, LEFT + plotW, TOP + plotH));
        for (int n : new int[] {0, v.length / 2, v.length}) {
            double xx = x(Math.min(n, v.length - 1), v.length, plotW);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#555\"/>"
                    + "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#333\">%d</text>",
                    xx, TOP + plotH, xx, TOP + plotH + 4, xx, TOP + plotH + 14, n));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">neurons, sorted by variance</text></g>",
                LEFT + plotW / 2, H - 6));
        return s.append("</svg>").toString();
    }

    private static double x(double i, int n, double plotW) {
        return LEFT + plotW * i / Math.max(1, n - 1);
    }

    private static double y(double value, double lo, double hi, double plotH) {
        return TOP + plotH - plotH * (Math.log10(Math.max(value, FLOOR)) - lo) / (hi - lo);
    }

    static String sci(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
