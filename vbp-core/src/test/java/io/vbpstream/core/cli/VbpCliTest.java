package io.vbpstream.core.cli;

import io.vbpstream.core.TestSupport;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VbpCliTest {

    private record Run(int code, String out, String err) {
    }

    private static Run vbp(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int code = VbpCli.run(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void statsPruneEvalInspectEndToEnd(@TempDir Path dir) throws IOException {
        String model = TestSupport.fmnistModel().toString();
        String images = TestSupport.testImages().toString();
        Path stats = dir.resolve("stats.bin");
        Run s = vbp("stats", "-q", "--model", model, "--images", images, "--limit", "256", "--out", stats.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("256 images, 6 blocks"), s.out());

        Path pruned = dir.resolve("pruned.onnx");
        Path report = dir.resolve("report.json");
        Run p = vbp("prune", "--model", model, "--stats", stats.toString(), "--criterion", "variance",
                "--macs-reduction", "0.2", "--global", "--out", pruned.toString(), "--report", report.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(Files.size(pruned) < Files.size(TestSupport.fmnistModel()));
        String json = Files.readString(report);
        assertTrue(json.contains("\"allocation\" : \"global\"") && json.contains("\"macsReduction\""), json);
        assertTrue(json.contains(OnnxModels.sha256(pruned)), "report names the artifact's sha256");

        Run e = vbp("eval", "-q", "--model", pruned.toString(), "--reference", model, "--images", images,
                "--labels", TestSupport.testLabels().toString(), "--limit", "300", "--latency-rounds", "3",
                "--json", dir.resolve("eval.json").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("top-1 accuracy") && e.out().contains("top-1 agreement"), e.out());
        assertTrue(Files.readString(dir.resolve("eval.json")).contains("\"agreement\""));

        Run i = vbp("inspect", pruned.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("vbp.parent_sha256") && i.out().contains("mlp5"), i.out());
        assertEquals(6, MlpBlockFinder.find(OnnxModels.read(pruned).model()).size());
    }

    @Test
    void badInputGetsAClearErrorAndExitCode2(@TempDir Path dir) throws IOException {
        String model = TestSupport.fmnistModel().toString();
        Path garbage = dir.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Run r1 = vbp("inspect", garbage.toString());
        assertEquals(2, r1.code());
        assertTrue(r1.err().contains("not an ONNX model"), r1.err());

        Run r2 = vbp("inspect", TestSupport.fixture("no-mlp.onnx").toString());
        assertEquals(2, r2.code());
        assertTrue(r2.err().contains("no Linear -> activation -> Linear"), r2.err());

        Run r3 = vbp("prune", "--model", model, "--ratio", "1.5", "--criterion", "magnitude", "--compensation", "none",
                "--out", dir.resolve("x.onnx").toString());
        assertEquals(2, r3.code());
        assertTrue(r3.err().contains("ratio must be in [0, 1)"), r3.err());

        Run r4 = vbp("prune", "--model", model, "--ratio", "0.5", "--out", dir.resolve("x.onnx").toString());
        assertEquals(2, r4.code());
        assertTrue(r4.err().contains("--stats is required"), r4.err());

        Path badStats = dir.resolve("bad.stats");
        Files.write(badStats, new byte[] {'V', 'B', 'P', 'S', 9});
        Run r5 = vbp("prune", "--model", model, "--stats", badStats.toString(), "--ratio", "0.5", "--out", dir.resolve("x.onnx").toString());
        assertEquals(2, r5.code());
        assertTrue(r5.err().contains("format version 9"), r5.err());

        Run r6 = vbp("stats", "--model", model, "--images", TestSupport.testLabels().toString(), "--out", dir.resolve("s").toString());
        assertEquals(2, r6.code());
        assertTrue(r6.err().contains("not an IDX image file"), r6.err());

        Run r7 = vbp("prune", "--model", model, "--criterion", "entropy", "--ratio", "0.5", "--out", "x");
        assertEquals(2, r7.code());
        assertTrue(r7.err().contains("unknown criterion"), r7.err());
    }
}
