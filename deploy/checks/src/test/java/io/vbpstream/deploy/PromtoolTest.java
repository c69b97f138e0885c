package io.vbpstream.deploy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/prometheus through Prometheus' own checker: the local scrape configuration, the alert rules, and the rules'
 * unit tests (synthetic series under which each alert must fire, or stay silent). That the rules read series the
 * services really expose is checked against a running pipeline in e2e-tests' MonitoringRulesIT.
 */
class PromtoolTest {

    @Test
    void theScrapeConfigurationIsValid() throws Exception {
        Tools.Run r = Tools.run(RenderedOverlay.ROOT.resolve("deploy/prometheus"), "promtool", "check", "config", "prometheus.yml");
        assertEquals(0, r.status(), r.output());
    }

    @Test
    void theAlertRulesAreValid() throws Exception {
        Tools.Run r = Tools.run(RenderedOverlay.ROOT, "promtool", "check", "rules", "deploy/prometheus/rules/vbp-alerts.yml");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void everyAlertFiresOnItsUnitTestAndOnlyThere() throws Exception {
        Tools.Run r = Tools.run(RenderedOverlay.ROOT.resolve("deploy/prometheus"), "promtool", "test", "rules",
                "tests/vbp-alerts.test.yml");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }
}
