package io.vbpstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.vbpstream.platform.MonitoringQueries;
import io.vbpstream.testbed.PipelineTestBed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the dashboard and the alerts ask of the shared pipeline ({@link PromotedPipeline}), scraped by a real
 * Prometheus with the repository's rules loaded, must be answerable.
 */
@Order(2)
class MonitoringRulesIT {

    private static PromotedPipeline pipe;

    @BeforeAll
    static void pipeline() throws Exception {
        pipe = PromotedPipeline.shared();
    }


    /**
     * What the dashboard and the alerts ask must be answerable: every panel query returns data from this pipeline,
     * every alert expression evaluates, every metric an alert reads exists, and with its thresholds relaxed and
     * {@code unless} read as {@code and} it returns data (a typo, a label that is never set or a join on labels that
     * never match would make an alert that can never fire). Prometheus itself must evaluate every rule without error.
     */
    @Test
    void everyDashboardQueryAndAlertRuleReadsRealSeries() throws Exception {
        pipe.bed.sendImages(1700, 300);
        PipelineTestBed.await(() -> pipe.laterPredictions(1700, 2000).size() == 300, "predictions of the last images", 90);
        double images = pipe.collector.metric("vbp_collector_images_total");
        PipelineTestBed.await(() -> PromotedPipeline.unchecked(() -> scalar("sum(vbp_collector_images_total)") >= images),
                "Prometheus to scrape them", 30);
        Thread.sleep(3000); // a few more scrapes, so every rate window holds more than one point
        PipelineTestBed.await(() -> PromotedPipeline.unchecked(() -> pipe.prometheus.ruleHealth().values().stream().noneMatch(h -> h.startsWith("unknown"))),
                "every rule evaluated once", 30);

        List<String> failures = new ArrayList<>();
        pipe.prometheus.targets().forEach((job, health) -> {
            if (!health.startsWith("up")) {
                failures.add("scrape target " + job + " is " + health);
            }
        });
        Map<String, String> variables = Map.of("model", "fmnist-vit", "version", ".*", "__rate_interval", "1m",
                "__interval", "15s", "__range", "5m");
        Map<String, String> panels = MonitoringQueries.dashboardTargets(PipelineTestBed.ROOT, variables);
        assertTrue(panels.size() >= 10, "the dashboard's queries: " + panels.keySet());
        for (Map.Entry<String, String> p : panels.entrySet()) {
            check(failures, "panel " + p.getKey(), p.getValue(), true);
        }
        Map<String, String> rules = MonitoringQueries.rules(PipelineTestBed.ROOT);
        for (Map.Entry<String, String> r : rules.entrySet()) {
            check(failures, "rule " + r.getKey(), r.getValue(), false);
            // its joins must line up on this healthy pipeline, or it could never fire
            check(failures, "rule " + r.getKey() + " without thresholds", MonitoringQueries.healthySignal(r.getValue()), true);
            for (String selector : MonitoringQueries.selectors(r.getValue())) {
                check(failures, "rule " + r.getKey() + " reads", selector, true);
            }
        }
        pipe.prometheus.ruleHealth().forEach((rule, health) -> {
            if (!health.startsWith("ok")) {
                failures.add("Prometheus evaluates rule " + rule + " as " + health);
            }
        });
        // the common tags, and the JVM, Kafka client and Kafka Streams families
        if (pipe.prometheus.seriesCount("{__name__=~\"vbp_.+\",application=\"\"}") + pipe.prometheus.seriesCount(
                "{__name__=~\"vbp_.+\",model=\"\"}") > 0) {
            failures.add("some vbp series lack the application or model tag");
        }
        for (String family : List.of("kafka_consumer_fetch_manager_records_lag_max{application=\"activation-collector\"}",
                "kafka_consumer_fetch_manager_records_lag_max{application=\"stats-aggregator\"}",
                "kafka_stream_alive_stream_threads{application=\"stats-aggregator\"}")) {
            check(failures, "metric family", family, true);
        }
        assertEquals(3, pipe.prometheus.seriesCount("count by (application) (jvm_memory_used_bytes)"));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static void check(List<String> failures, String what, String promql, boolean mustReturnData) {
        try {
            if (mustReturnData && pipe.prometheus.seriesCount(promql) == 0) {
                failures.add(what + " returns no data: " + promql);
            }
        } catch (Exception e) {
            failures.add(what + " fails: " + e.getMessage());
        }
    }

    private static double scalar(String promql) throws Exception {
        JsonNode result = pipe.prometheus.query(promql).get("result");
        return result.isEmpty() ? Double.NaN : result.get(0).get("value").get(1).asDouble();
    }
}
