package io.vbpstream.platform;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MonitoringQueriesTest {

    @Test
    void selectorsAreTheMetricsReadNotTheFunctionsOrLabels() {
        String expr = "sum by (model, client_id) (rate(vbp_collector_images_total{model=\"m\", version=~\"a}b\"}[5m]))"
                + " / on(model) group_left max(kafka_consumer_fetch_manager_records_lag_max) unless vbp_pruner_promoted_info";
        assertEquals(Set.of("vbp_collector_images_total{model=\"m\", version=~\"a}b\"}",
                "kafka_consumer_fetch_manager_records_lag_max", "vbp_pruner_promoted_info"), MonitoringQueries.selectors(expr));
    }

    @Test
    void aHealthySignalKeepsTheJoinsAndDropsTheThresholds() {
        assertEquals("(a > -Inf and on(m) b) and (deriv(c[10m]) > -Inf) and d{x=\"1\"} > -Inf and e and on(v) f",
                MonitoringQueries.healthySignal("(a == 0 and on(m) b) and (deriv(c[10m]) > 0) and d{x=\"1\"} >= 1e4 and e unless on(v) f"));
    }

    @Test
    void variablesAndMacrosAreReplacedAndNoneMayBeLeft() {
        Map<String, String> v = Map.of("model", "fmnist-vit", "__rate_interval", "1m", "version", ".*");
        assertEquals("rate(x{model=\"fmnist-vit\",version=~\".*\"}[1m])",
                MonitoringQueries.substitute("rate(x{model=\"$model\",version=~\"${version:regex}\"}[$__rate_interval])", v));
        assertThrows(IllegalArgumentException.class, () -> MonitoringQueries.substitute("x[$__range]", v));
    }
}
