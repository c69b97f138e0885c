package io.vbpstream.e2e;

import io.vbpstream.testbed.PipelineTestBed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pruner's status page of the shared pipeline ({@link PromotedPipeline}) in headless Chromium.
 */
@Order(3)
class StatusPageIT {

    private static PromotedPipeline pipe;

    @BeforeAll
    static void pipeline() throws Exception {
        pipe = PromotedPipeline.shared();
    }


    /**
     * The status page in headless Chromium while the first generation is served and the next step is planned: the
     * DOM has each spectrum's axes and the threshold's label, and the lineage chart; screenshots at 1280 and 600 px
     * (copied to docs/ for the README) show it readable at both.
     */
    @Test
    // after the traffic of the classes before it: statistics of the first generation exist
    void theStatusPageRendersInHeadlessChromium() throws Exception {
        Path out = Path.of("target", "status-page");
        Files.createDirectories(out);
        // traffic of its own under the first generation, so the class also passes alone (images the others never send)
        pipe.bed.sendImages(4700, 300);
        String[] dom = new String[1];
        PipelineTestBed.await(() -> PromotedPipeline.unchecked(() -> PromotedPipeline.count(dom[0] = Chromium.dumpDom(pipe.pruner.url("/"), out), "class=\"threshold-label\"") == 6),
                "the next step's threshold on every block's spectrum", 90);
        Path wide = out.resolve("status-page-1280.png").toAbsolutePath();
        Path narrow = out.resolve("status-page-600.png").toAbsolutePath();
        Chromium.screenshot(pipe.pruner.url("/"), wide, out, 1280, 2000);
        Chromium.screenshot(pipe.pruner.url("/"), narrow, out, 600, 3000);
        String d = dom[0];
        assertTrue(PromotedPipeline.count(d, "<svg class=\"spectrum\"") == 6, "one spectrum per block");
        assertTrue(PromotedPipeline.count(d, "class=\"axis x-axis\"") >= 7 && PromotedPipeline.count(d, "class=\"axis y-axis\"") >= 7,
                "x and y axes on the six spectra and the lineage chart");
        assertTrue(d.contains("neurons, sorted by variance") && d.contains("variance (log)"), "the axes are labelled");
        assertTrue(PromotedPipeline.count(d, "class=\"threshold-label\"") == 6 && d.contains(">threshold "), "each threshold is labelled");
        assertTrue(d.contains("class=\"removed-label\""), "the removed share is labelled");
        assertTrue(d.contains("id=\"lineage-chart\"") && d.contains("MACs, share of the base"), "the lineage chart");
        assertTrue(d.contains("http-equiv=\"refresh\""), "the page refreshes itself");
        assertTrue(d.contains("<polyline"));
        assertTrue(d.contains("id=\"lineage\"") && d.contains(pipe.promoted.version()), "lineage lists the promoted version");
        assertTrue(d.contains("reconstruction,uniform,"), "and the criterion it was pruned with");
        assertTrue(d.contains("id=\"convergence\""));
        for (Path png : new Path[] {wide, narrow}) {
            assertTrue(Files.size(png) > 10_000, "a real screenshot: " + Files.size(png) + " bytes");
        }
        assertEquals(1280, ImageIO.read(wide.toFile()).getWidth());
        assertEquals(600, ImageIO.read(narrow.toFile()).getWidth());
    }

}
