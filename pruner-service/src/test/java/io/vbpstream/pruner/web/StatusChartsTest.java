package io.vbpstream.pruner.web;

import io.vbpstream.platform.message.ModelVersion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusChartsTest {

    @Test
    void aSpectrumHasLabelledAxesADecadeTickEachAndItsThresholdLabelled() {
        double[] variance = new double[100];
        for (int i = 0; i < variance.length; i++) {
            variance[i] = Math.pow(10, -4 + 4.0 * i / 99); // 1e-4 .. 1
        }
        String svg = SpectrumChart.svg("mlp0 (n=123)", variance, 25);
        for (int d = -4; d <= 0; d++) {
            assertTrue(svg.contains(">1e" + d + "</text>"), "a label at 1e" + d);
        }
        assertTrue(svg.contains(">0</text>") && svg.contains(">50</text>") && svg.contains(">100</text>"), "x ticks");
        assertTrue(svg.contains("neurons, sorted by variance") && svg.contains("variance (log)"));
        // the largest variance removed, the 25th smallest
        assertTrue(svg.contains(">threshold " + SpectrumChart.sci(variance[24]) + "</text>"), svg);
        assertTrue(svg.contains(">removed 25 (25%)</text>"));
        assertFalse(SpectrumChart.svg("mlp0", variance, 0).contains("threshold"), "no step, no threshold");
    }

    @Test
    void nonFiniteVariancesAreLeftOutAndARemovedShareOfAllStaysInsideThePlot() {
        String svg = SpectrumChart.svg("mlp0", new double[] {Double.NaN, 1e-3, Double.POSITIVE_INFINITY, 1e-1}, 2);
        assertFalse(svg.contains("NaN") || svg.contains("Infinity"), svg);
        assertTrue(svg.contains(">removed 2 (100%)</text>"), "clamped to the finite neurons: " + svg);
        assertTrue(SpectrumChart.svg("mlp0", new double[] {Double.NaN}, 0).contains("no finite variances yet"));
        String all = SpectrumChart.svg("mlp0", new double[] {1e-3, 1e-2, 1e-1}, 3);
        Matcher m = Pattern.compile("class=\"removed\" x=\"(\\d+)\" y=\"\\d+\" width=\"([0-9.]+)\"").matcher(all);
        assertTrue(m.find(), all);
        assertTrue(Integer.parseInt(m.group(1)) + Double.parseDouble(m.group(2)) <= SpectrumChart.W - 10 + 1e-9,
                "the shaded share ends at the plot's right edge");
    }

    @Test
    void theLineageChartChainsEachGatesAccuracyRatioToTheBase() {
        ModelVersion base = version(0, null, null);
        ModelVersion g1 = version(1, pruning(900, 1000), validation(0.99, 0.80, 0.82));
        ModelVersion g2 = version(2, pruning(650, 1000), validation(0.98, 0.78, 0.79));
        String svg = LineageChart.svg(List.of(base, g1, g2));
        assertTrue(svg.contains("id=\"lineage-chart\"") && svg.contains(">g0</text>") && svg.contains(">g2</text>"));
        assertEquals(List.of("g0: 100.0%", "g1: 90.0%", "g2: 65.0%"), points(svg, "#2c3e50"));
        // 0.80/0.82 = 97.6%, then x 0.78/0.79 = 96.3%
        assertEquals(List.of("g0: 100.0%", "g1: 97.6%", "g2: 96.3%"), points(svg, "#1e8449"));
        assertTrue(svg.contains("accuracy, share of the base"));
        String unlabelled = LineageChart.svg(List.of(base, version(1, pruning(900, 1000), validation(0.95, -1, -1))));
        assertTrue(unlabelled.contains("top-1 agreement with the base"));
        assertEquals(List.of("g0: 100.0%", "g1: 95.0%"), points(unlabelled, "#1e8449"));
    }

    private static List<String> points(String svg, String colour) {
        Matcher m = Pattern.compile("fill=\"" + colour + "\"><title>([^<]+)</title>").matcher(svg);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static ModelVersion version(int generation, ModelVersion.Pruning p, ModelVersion.Validation v) {
        return new ModelVersion(ModelVersion.SCHEMA, "m", generation == 0 ? "base" : "g" + generation, "vbp-store:sha256/"
                + "0".repeat(64) + ".onnx", "0".repeat(64), generation == 0 ? null : "p", generation, "2026-12-04T00:00:00Z",
                ModelVersion.Status.PROMOTED, p, v, "2026-12-04T00:00:00Z", null);
    }

    private static ModelVersion.Pruning pruning(long macs, long baseMacs) {
        return new ModelVersion.Pruning("variance", Map.of(), Map.of(), macs, 10, baseMacs, 0.1, 0.1);
    }

    private static ModelVersion.Validation validation(double agreement, double accuracy, double parentAccuracy) {
        return new ModelVersion.Validation(200, agreement, accuracy, parentAccuracy, 0.9, List.of(), null);
    }
}
