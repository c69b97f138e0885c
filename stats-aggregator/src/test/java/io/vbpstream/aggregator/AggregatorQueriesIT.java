package io.vbpstream.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.platform.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
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
        bed.sendCoMoments(KEYS, 3, 300, 128, new Random(6));
        AggregatorTestBed.await(() -> KEYS.stream().allMatch(k -> served(a, k) == bed.deltas(k) && served(b, k) == bed.deltas(k)),
                "both instances answering every key", 120);
        AggregatorTestBed.await(() -> KEYS.stream().allMatch(k -> coMomentsCount(a, k) == bed.expectedCoMoments(k).count()),
                "every block's co-moments merged", 120);
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

    @Test
    void coMomentTilesAreServedByTheBlocksOwnerFromEitherInstance() throws Exception {
        Set<String> owners = new HashSet<>();
        for (String key : KEYS) {
            HttpResponse<String> ra = a.get(AggregatorRestartIT.path(key) + "/comoments");
            HttpResponse<String> rb = b.get(AggregatorRestartIT.path(key) + "/comoments");
            assertEquals(200, ra.statusCode(), ra.body());
            assertEquals(ra.headers().firstValue("X-Vbp-Served-By"), rb.headers().firstValue("X-Vbp-Served-By"));
            owners.add(ra.headers().firstValue("X-Vbp-Served-By").orElseThrow());
            JsonNode summary = AggregatorTestBed.json(ra.body());
            assertEquals(AggregatorTestBed.json(rb.body()).get("tiles"), summary.get("tiles"));
            assertEquals(300, summary.get("width").asInt());
            assertEquals(128, summary.get("tileSize").asInt());
            assertEquals(6, summary.get("expectedTiles").asInt());
            assertTrue(summary.get("consistent").asBoolean(), ra.body());
            assertEquals(6, summary.get("tiles").size());
            CoMoments expected = bed.expectedCoMoments(key);
            assertEquals(expected.count(), summary.get("count").asLong());
            List<CoMomentsTile> tiles = new ArrayList<>();
            for (JsonNode t : summary.get("tiles")) {
                assertEquals(3, t.get("deltas").asLong());
                String tile = AggregatorRestartIT.path(key) + "/comoments/tiles/" + t.get("row").asInt() + "/" + t.get("column").asInt();
                byte[] fromA = a.getBytes(tile);
                byte[] fromB = b.getBytes(tile);
                assertTrue(java.util.Arrays.equals(fromA, fromB), "the same tile from either instance: " + tile);
                tiles.add(CoMomentsCodec.decode(fromA));
            }
            CoMoments served = CoMoments.fromTiles(tiles);
            for (int i = 0; i < 300; i += 7) {
                for (int j = i; j < 300; j += 11) {
                    // stored in float32: three merges, each rounded once (2^-24)
                    assertEquals(expected.coMoment(i, j), served.coMoment(i, j),
                            1e-6 * Math.sqrt(expected.coMoment(i, i) * expected.coMoment(j, j)), key + " C[" + i + "][" + j + "]");
                }
            }
        }
        assertEquals(2, owners.size(), "the blocks are spread over both instances: " + owners);
        assertEquals(404, a.get(AggregatorRestartIT.path("fmnist-vit/base/nope") + "/comoments").statusCode());
        assertEquals(404, b.get(AggregatorRestartIT.path(KEYS.get(0)) + "/comoments/tiles/9/9").statusCode());
    }

    private static long coMomentsCount(ServiceProcess p, String key) {
        try {
            HttpResponse<String> r = p.get(AggregatorRestartIT.path(key) + "/comoments");
            return r.statusCode() == 200 ? AggregatorTestBed.json(r.body()).get("count").asLong() : -1;
        } catch (Exception e) {
            return -1;
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
