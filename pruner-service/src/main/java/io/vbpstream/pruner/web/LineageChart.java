package io.vbpstream.pruner.web;

import io.vbpstream.platform.message.ModelVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The promoted lineage as an inline SVG line chart: per generation, MACs as a share of the base, and accuracy as a
 * share of the base's (each gate measures a version against its parent on the same images, so the base's share is
 * the product of those ratios along the lineage; with unlabelled traffic, the product of the top-1 agreements
 * instead, and the legend says so: if any generation lacks labels the whole line is the agreement-style product).
 * Both on one 0-100% axis.
 */
final class LineageChart {

    private static final int W = 560;
    private static final int H = 240;
    private static final int LEFT = 46;
    private static final int RIGHT = 14;
    private static final int TOP = 28;
    private static final int BOTTOM = 40;

    private LineageChart() {
    }

    /** @param promoted the base and its promoted descendants, in generation order */
    static String svg(List<ModelVersion> promoted) {
        List<double[]> points = new ArrayList<>(); // generation, MACs share, quality share
        double quality = 1;
        boolean labelled = true;
        for (ModelVersion v : promoted) {
            if (v.pruning() == null || v.validation() == null) {
                points.add(new double[] {v.generation(), 1, 1});
                continue;
            }
            ModelVersion.Validation g = v.validation();
            double factor;
            if (g.accuracy() >= 0 && g.parentAccuracy() > 0) {
                factor = g.accuracy() / g.parentAccuracy();
            } else {
                labelled = false;
                factor = g.agreement();
            }
            double macs = v.pruning().baseMacs() > 0 ? (double) v.pruning().macs() / v.pruning().baseMacs() : Double.NaN;
            if (!Double.isFinite(factor) || !Double.isFinite(macs)) {
                continue; // a version without usable figures is left off the chart, not drawn as NaN
            }
            quality *= factor;
            points.add(new double[] {v.generation(), macs, quality});
        }
        int last = points.isEmpty() ? 1 : (int) Math.max(1, points.get(points.size() - 1)[0]);
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder s = new StringBuilder(4096);
        s.append(String.format(Locale.ROOT, "<svg id=\"lineage-chart\" class=\"lineage-chart\" role=\"img\" viewBox=\"0 0 %d %d\" "
                + "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"system-ui,sans-serif\">"
                + "<title>MACs and %s relative to the base, per generation</title>", W, H, labelled ? "accuracy" : "agreement"));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#ccc\"/>",
                LEFT, TOP, plotW, plotH));
        s.append("<g class=\"axis y-axis\">");
        for (int pct = 0; pct <= 100; pct += 20) {
            double yy = TOP + plotH - plotH * pct / 100.0;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333\">%d%%</text>", LEFT, yy, LEFT + plotW, yy, LEFT - 6, yy + 4, pct));
        }
        s.append("</g><g class=\"axis x-axis\">");
        for (int gen = 0; gen <= last; gen++) {
            double xx = LEFT + plotW * gen / last;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#333\">g%d</text>",
                    xx, TOP + plotH + 16, gen));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">generation (promoted)</text></g>",
                LEFT + plotW / 2, H - 4));
        series(s, points, 1, "#2c3e50", "macs", last, plotW, plotH);
        series(s, points, 2, "#1e8449", "quality", last, plotW, plotH);
        s.append(String.format(Locale.ROOT, "<g class=\"legend\"><rect x=\"%d\" y=\"8\" width=\"12\" height=\"3\" fill=\"#2c3e50\"/>"
                        + "<text x=\"%d\" y=\"13\" fill=\"#333\">MACs, share of the base</text>"
                        + "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"3\" fill=\"#1e8449\"/><text x=\"%d\" y=\"13\" fill=\"#333\">%s</text></g>",
                LEFT, LEFT + 16, LEFT + 200, LEFT + 216, labelled ? "accuracy, share of the base's"
                        : "top-1 agreement with the base (product along the lineage)"));
        return s.append("</svg>").toString();
    }

    private static void series(StringBuilder s, List<double[]> points, int k, String colour, String name, int last,
                               double plotW, double plotH) {
        StringBuilder pts = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (double[] p : points) {
            double xx = LEFT + plotW * p[0] / last;
            double yy = TOP + plotH - plotH * Math.max(0, Math.min(1, p[k]));
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xx, yy));
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>g%d: %.1f%%</title></circle>",
                    xx, yy, colour, (int) p[0], 100 * p[k]));
        }
        s.append("<polyline class=\"").append(name).append("\" fill=\"none\" stroke=\"").append(colour)
                .append("\" stroke-width=\"2\" points=\"").append(pts.toString().trim()).append("\"/>").append(dots);
    }
}
