package io.vbpstream.pruner;

import io.vbpstream.testbed.PipelineTestBed;
import io.vbpstream.platform.ServiceProcess;
import io.vbpstream.platform.ServiceSettings;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A typo in the pruning policy (or in the choice of dense kernels) stops the packaged pruner at start-up with a
 * message naming the setting and the values it accepts (before, the policy was a string parsed at every check: the typo was logged every 2 s while readiness
 * stayed UP and nothing was ever pruned).
 */
class PrunerConfigIT {

    @Test
    void aMisspelledCriterionStopsStartUpNamingTheSetting() throws Exception {
        stopsAtStartUpSaying(Map.of("vbp.pruner.policy.criterion", "varience"), log -> {
            assertTrue(log.contains("vbp.pruner.policy.criterion"), "the log names the setting");
            assertTrue(log.contains("varience"), "and the value");
            assertTrue(log.contains("weighted-variance") || log.contains("WEIGHTED_VARIANCE"), "and what it accepts");
        });
    }

    @Test
    void theReconstructionCriterionWithoutLeastSquaresStopsStartUpSayingWhy() throws Exception {
        stopsAtStartUpSaying(Map.of("vbp.pruner.policy.criterion", "reconstruction",
                "vbp.pruner.policy.compensation", "mean"), log -> {
            assertTrue(log.contains("vbp.pruner.policy"), "the log names the settings");
            assertTrue(log.contains("least-squares"), "and what the criterion needs");
        });
    }

    @Test
    void anUnknownChoiceOfDenseKernelsStopsStartUpNamingTheSetting() throws Exception {
        stopsAtStartUpSaying(Map.of("vbp.linalg", "fast"), log -> {
            assertTrue(log.contains("vbp.linalg (or VBP_LINALG) must be auto, openblas or java, got 'fast'"),
                    "the log names the setting, the value and the choices");
            assertTrue(!log.contains("ExceptionInInitializerError"), "not an initialiser's error");
        });
    }

    /** The pruner with {@code settings} stops by itself with a non-zero status, and its log passes {@code check}. */
    private static void stopsAtStartUpSaying(Map<String, String> settings, Consumer<String> check) throws Exception {
        ServiceProcess pruner = launch(settings);
        try {
            OptionalInt status = pruner.awaitExit(Duration.ofSeconds(90));
            assertTrue(status.isPresent(), "the pruner stopped by itself:\n" + pruner.tail());
            assertNotEquals(0, status.getAsInt());
            String log = pruner.log();
            try {
                check.accept(log);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ":\n" + pruner.tail(), e);
            }
        } finally {
            pruner.close();
        }
    }

    private static ServiceProcess launch(Map<String, String> policy) throws Exception {
        Path dir = Files.createTempDirectory("vbp-pruner-config-it");
        Map<String, String> s = new LinkedHashMap<>();
        s.put("vbp.pruner.store.directory", dir.resolve("store").toString());
        s.put("vbp.pruner.model.base-uri", "vbp-store:sha256/" + "0".repeat(64) + ".onnx");
        s.put("vbp.pruner.model.card", PipelineTestBed.CARD.toString());
        s.putAll(policy);
        return ServiceProcess.launch(ServiceSettings.App.PRUNER.jar(), s, Map.of(), dir.resolve("pruner.log"));
    }
}
