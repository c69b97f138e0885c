package io.vbpstream.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregator is SIGKILLed mid-stream (exactly-once v2: its local state is then rebuilt from the changelog),
 * more deltas arrive while it is down, and it is restarted: every key's totals equal, bit for bit, the deltas sent
 * merged once each in order.
 */
class AggregatorRestartIT {

    private static final int WIDTH = 256;
    private static AggregatorTestBed bed;
    private static ServiceProcess aggregator;
    private static final List<String> KEYS = AggregatorTestBed.keys(4);

    @BeforeAll
    static void killAndRestart() throws Exception {
        bed = AggregatorTestBed.create();
        Random rnd = new Random(404);
        aggregator = bed.start("a");
        // a stream of 60 rounds x 8 keys over about 6 s; the kill lands while it flows
        var sender = java.util.concurrent.Executors.newSingleThreadExecutor();
        var sent = sender.submit(() -> {
            bed.sendDeltas(KEYS, 60, WIDTH, rnd, 100);
            return null;
        });
        AggregatorTestBed.await(() -> metric("vbp_aggregator_deltas_merged_total") >= 100, "some merges", 60);
        double mergedAtKill = metric("vbp_aggregator_deltas_merged_total");
        aggregator.kill();
        System.out.printf("killed after %.0f deltas merged%n", mergedAtKill);
        sent.get();
        sender.shutdown();
        assertTrue(mergedAtKill < bed.totalDeltas(), "the kill landed mid-stream");
        bed.sendDeltas(KEYS, 40, WIDTH, rnd);
        aggregator = bed.start("a");
        AggregatorTestBed.await(() -> KEYS.stream().allMatch(k -> deltasServed(k) == bed.deltas(k)), "every delta merged", 120);
    }

    @AfterAll
    static void stop() throws Exception {
        if (aggregator != null) {
            aggregator.close();
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void totalsEqualTheSumOfAllDeltasSentExactly() throws Exception {
        for (String key : KEYS) {
            JsonNode s = block(key);
            Moments e = bed.expected(key);
            assertEquals(bed.deltas(key), s.get("deltas").asLong(), key);
            assertEquals(e.count(), s.get("count").asLong(), key);
            for (int j = 0; j < WIDTH; j++) {
                assertEquals(e.mean(j), s.get("mean").get(j).asDouble(), 0.0, key + " mean " + j);
                assertEquals(e.variance()[j], s.get("variance").get(j).asDouble(), 0.0, key + " variance " + j);
            }
        }
    }

    @Test
    void layerStatisticsHoldsTheFinalTotalsPerKey() throws Exception {
        AggregatorTestBed.await(() -> latest().size() == KEYS.size()
                && KEYS.stream().allMatch(k -> latest().get(k).count() == bed.expected(k).count()), "final emissions", 30);
        for (String key : KEYS) {
            assertEquals(bed.expected(key), latest().get(key), key);
        }
    }

    @Test
    void summaryQuantilesDescribeTheVarianceSpectrum() throws Exception {
        JsonNode s = AggregatorTestBed.json(aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/mlp0?summary=true").body());
        JsonNode q = s.get("summary");
        assertTrue(q.get("min").asDouble() <= q.get("p10").asDouble() && q.get("p10").asDouble() <= q.get("median").asDouble()
                && q.get("median").asDouble() <= q.get("p90").asDouble() && q.get("p90").asDouble() <= q.get("max").asDouble());
        assertEquals(404, aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/mlp9").statusCode());
        assertEquals(400, aggregator.get("/statistics/models/fmnist-vit/versions/base/blocks/a..b%20c").statusCode());
    }

    private static Map<String, Moments> latest() {
        Map<String, Moments> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bed.broker.bootstrapServers(), Topic.LAYER_STATISTICS.topicName())) {
            out.put(r.key(), MomentsCodec.decode(r.value()));
        }
        return out;
    }

    private static long deltasServed(String key) {
        try {
            var r = aggregator.get(path(key));
            return r.statusCode() == 200 ? AggregatorTestBed.json(r.body()).get("deltas").asLong() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static JsonNode block(String key) throws Exception {
        var r = aggregator.get(path(key));
        assertEquals(200, r.statusCode(), r.body());
        return AggregatorTestBed.json(r.body());
    }

    static String path(String key) {
        String[] p = key.split("/");
        return "/statistics/models/" + p[0] + "/versions/" + p[1] + "/blocks/" + p[2];
    }

    private static double metric(String series) {
        try {
            return aggregator.metric(series);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
