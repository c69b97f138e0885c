package io.vbpstream.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vbpstream.platform.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two aggregator instances split the partitions; each answers every key, forwarding to the owner. */
class AggregatorQueriesIT {

    private static final List<String> KEYS = AggregatorTestBed.keys(6);
    private static AggregatorTestBed bed;
    private static ServiceProcess a;
    private static ServiceProcess b;

    @BeforeAll
    static void start() throws Exception {
        bed = AggregatorTestBed.create();
        a = bed.start("a");
        b = bed.start("b");
        bed.sendDeltas(KEYS, 5, 64, new Random(5));
        AggregatorTestBed.await(() -> KEYS.stream().allMatch(k -> served(a, k) == bed.deltas(k) && served(b, k) == bed.deltas(k)),
                "both instances answering every key", 120);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess p : new ServiceProcess[]{a, b}) {
            if (p != null) {
                p.close();
            }
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void eachInstanceServesTheOthersKeysByForwarding() throws Exception {
        Set<String> owners = new HashSet<>();
        for (String key : KEYS) {
            HttpResponse<String> ra = a.get(AggregatorRestartIT.path(key));
            HttpResponse<String> rb = b.get(AggregatorRestartIT.path(key));
            assertEquals(200, ra.statusCode(), ra.body());
            assertEquals(200, rb.statusCode(), rb.body());
            String ownerA = ra.headers().firstValue("X-Vbp-Served-By").orElseThrow();
            String ownerB = rb.headers().firstValue("X-Vbp-Served-By").orElseThrow();
            assertEquals(ownerA, ownerB, "one owner per key, whoever is asked");
            owners.add(ownerA);
            JsonNode ja = AggregatorTestBed.json(ra.body());
            JsonNode jb = AggregatorTestBed.json(rb.body());
            assertEquals(ja.get("mean"), jb.get("mean"));
            assertEquals(ja.get("variance"), jb.get("variance"));
            assertEquals(bed.expected(key).count(), ja.get("count").asLong());
        }
        assertEquals(2, owners.size(), "the keys are spread over both instances: " + owners);
    }

    @Test
    void theModelListingGathersEveryInstancesKeys() throws Exception {
        for (ServiceProcess p : List.of(a, b)) {
            JsonNode models = AggregatorTestBed.json(p.get("/statistics/models").body()).get("models");
            assertEquals(1, models.size());
            int blocks = 0;
            for (JsonNode v : models.get(0).get("versions")) {
                for (JsonNode block : v.get("blocks")) {
                    String key = "fmnist-vit/" + v.get("version").asText() + "/" + block.get("block").asText();
                    assertEquals(bed.expected(key).count(), block.get("count").asLong(), key);
                    blocks++;
                }
            }
            assertEquals(KEYS.size(), blocks);
            int local = AggregatorTestBed.json(p.get("/statistics/local/entries").body()).size();
            assertTrue(local > 0 && local < KEYS.size(), "each instance holds only part of the keys: " + local);
        }
    }

    private static long served(ServiceProcess p, String key) {
        try {
            HttpResponse<String> r = p.get(AggregatorRestartIT.path(key));
            return r.statusCode() == 200 ? AggregatorTestBed.json(r.body()).get("deltas").asLong() : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
