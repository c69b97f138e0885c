package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelStatisticsTest {

    private static ModelStatistics sample() {
        ModelStatistics s = new ModelStatistics("abc");
        s.addImages(3);
        s.block("mlp0", 2).merge(Moments.of(150, new double[] {1, 2}, new double[] {3, 4}));
        s.block("mlp1", 3).merge(Moments.of(150, new double[] {5, 6, 7}, new double[] {8, 9, 10}));
        return s;
    }

    @Test
    void roundTripsThroughTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("s.bin");
        sample().write(f);
        ModelStatistics back = ModelStatistics.read(f);
        assertEquals("abc", back.modelSha256());
        assertEquals(3, back.images());
        assertEquals(sample().get("mlp1"), back.get("mlp1"));
        assertEquals(2, back.blocks().size());
    }

    @Test
    void coMomentMatricesRoundTripAsVersionTwo(@TempDir Path dir) throws IOException {
        ModelStatistics s = new ModelStatistics("abc");
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        float[] x = new float[100 * 300];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        s.block("mlp0", 300).addBatch(x, 100);
        s.coMoments("mlp0", 300).addBatch(x, 100);
        Path f = dir.resolve("c.bin");
        s.write(f);
        assertEquals(2, Files.readAllBytes(f)[4], "written as version 2");
        ModelStatistics back = ModelStatistics.read(f);
        CoMoments c = back.coMoments("mlp0");
        for (int i = 0; i < 300; i += 7) {
            for (int j = 0; j < 300; j += 11) {
                // the tiles inside are CoMomentsCodec records: co-moments in float32, means and counts exact
                assertEquals((float) s.coMoments("mlp0").coMoment(i, j), c.coMoment(i, j), 0.0);
            }
        }
        assertTrue(!sample().hasCoMoments("mlp0"));
        sample().write(f);
        assertEquals(1, Files.readAllBytes(f)[4], "without co-moments the file stays version 1");
    }

    @Test
    void corruptFilesNameTheFileAndBlock(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("s.bin");
        sample().write(f);
        byte[] bytes = Files.readAllBytes(f);

        byte[] nan = bytes.clone();
        // the last double of the file is mlp1's last m2 entry
        java.nio.ByteBuffer.wrap(nan).putDouble(nan.length - 8, Double.NaN);
        Files.write(f, nan);
        IOException e = assertThrows(IOException.class, () -> ModelStatistics.read(f));
        assertTrue(e.getMessage().contains("block mlp1") && e.getMessage().contains("NON_FINITE"), e.getMessage());

        Files.write(f, Arrays.copyOf(bytes, bytes.length + 1));
        assertTrue(assertThrows(IOException.class, () -> ModelStatistics.read(f)).getMessage().contains("trailing"));

        Files.write(f, Arrays.copyOf(bytes, bytes.length - 5));
        assertThrows(IOException.class, () -> ModelStatistics.read(f));

        assertThrows(IOException.class, () -> ModelStatistics.read(dir.resolve("missing")));
    }

    @Test
    void mergeRefusesStatisticsOfAnotherModel() {
        assertThrows(IllegalArgumentException.class, () -> sample().merge(new ModelStatistics("other")));
        ModelStatistics twice = sample().merge(sample());
        assertEquals(300, twice.get("mlp0").count());
        assertEquals(6, twice.images());
    }
}
