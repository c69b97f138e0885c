package io.vbpstream.e2e;

import io.vbpstream.testbed.PipelineTestBed;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.Prediction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gate set higher than any pruned model can pass: the candidate is rejected and kept, and the collector goes on
 * serving the parent. The same running pruner answers bad requests with clear 4xx errors.
 */
class PrunerGateIT {

    private static PipelineTestBed bed;
    private static ServiceProcess collector;
    private static ServiceProcess aggregator;
    private static ServiceProcess pruner;
    private static ModelVersion rejected;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void run() throws Exception {
        bed = new PipelineTestBed();
        collector = bed.collector();
        aggregator = bed.aggregator();
        pruner = bed.pruner(1.01);
        bed.sendImagesPaced(0, 1500, 100, 400); // two separate co-moment publications (PipelineTestBed.sendImagesPaced)
        PipelineTestBed.await(() -> bed.firstChild(ModelVersion.Status.REJECTED).isPresent(), "a rejected candidate", 180);
        rejected = bed.firstChild(ModelVersion.Status.REJECTED).orElseThrow();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess p : new ServiceProcess[]{pruner, aggregator, collector}) {
            if (p != null) {
                p.close();
            }
        }
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void aGateSetTooHighRejectsTheCandidateAndTheParentKeepsServing() throws Exception {
        assertNotNull(rejected.validation().reason());
        assertTrue(rejected.validation().reason().startsWith("agreement"), rejected.validation().reason());
        assertTrue(bed.store.root().resolve("sha256/" + rejected.sha256() + ".onnx").toFile().isFile(), "kept for inspection");
        bed.sendImages(1500, 100);
        PipelineTestBed.await(() -> later().size() == 100, "predictions of the new images", 60);
        for (Prediction p : later()) {
            assertEquals("base", p.version());
        }
        Thread.sleep(3000);
        assertEquals(1, bed.versions().values().stream().filter(v -> v.generation() == 1 && v.pruning().policy()
                .contains("macs-reduction")).count(), "the rejected version's parent is not pruned again");
    }

    @Test
    void aRestartedPrunerDoesNotPruneTheSameStatisticsAgain() throws Exception {
        long before = autoChildren();
        pruner.close();
        pruner = bed.pruner(1.01);
        Thread.sleep(5000);
        assertEquals(before, autoChildren(), "no duplicate version after the restart");
        assertEquals(1, before);
    }

    /** Versions the pruner made on its own (manual prunes in the other tests use a ratio). */
    private static long autoChildren() {
        return bed.versions().values().stream().filter(v -> v.generation() == 1 && v.pruning().policy()
                .contains("macs-reduction")).count();
    }

    @Test
    void mutationsNeedTheBearerToken() throws Exception {
        assertEquals(401, post("/models/fmnist-vit/prune", null, "{\"ratio\":0.1}").statusCode());
        HttpResponse<String> wrong = post("/models/fmnist-vit/prune", "not-the-token", "{\"ratio\":0.1}");
        assertEquals(403, wrong.statusCode());
        assertTrue(wrong.body().contains("not valid"));
        assertEquals(401, post("/models/fmnist-vit/versions/base/rollback", null, "").statusCode());
    }

    @Test
    void badRequestsGetA4xxThatSaysWhy() throws Exception {
        HttpResponse<String> unknown = post("/models/no-such-model/prune", PipelineTestBed.TOKEN, "{\"ratio\":0.1}");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("unknown model 'no-such-model'"), unknown.body());
        HttpResponse<String> ratio = post("/models/fmnist-vit/prune", PipelineTestBed.TOKEN, "{\"ratio\":1.5}");
        assertEquals(400, ratio.statusCode());
        assertTrue(ratio.body().contains("ratio must be in (0, 1)"), ratio.body());
        HttpResponse<String> both = post("/models/fmnist-vit/prune", PipelineTestBed.TOKEN, "{\"ratio\":0.1,\"macsReduction\":0.1}");
        assertEquals(400, both.statusCode());
        HttpResponse<String> empty = post("/models/fmnist-vit/prune", PipelineTestBed.TOKEN,
                "{\"ratio\":0.9999,\"minKeepFraction\":0}");
        assertEquals(400, empty.statusCode());
        assertTrue(empty.body().contains("empty block"), empty.body());
        HttpResponse<String> criterion = post("/models/fmnist-vit/prune", PipelineTestBed.TOKEN,
                "{\"ratio\":0.2,\"criterion\":\"vibes\"}");
        assertEquals(400, criterion.statusCode());
        assertTrue(criterion.body().contains("unknown criterion"), criterion.body());
        assertEquals(404, pruner.get("/models/fmnist-vit/versions/nope").statusCode());
        assertEquals(409, post("/models/fmnist-vit/versions/base/rollback", PipelineTestBed.TOKEN, "").statusCode());
    }

    private HttpResponse<String> post(String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(pruner.url(path)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static java.util.List<Prediction> later() {
        java.util.List<Prediction> out = new java.util.ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : bed.read(Topic.PREDICTIONS)) {
            if (Integer.parseInt(r.key().substring(4)) >= 1500) {
                out.add(Prediction.read(r.value()));
            }
        }
        return out;
    }
}
