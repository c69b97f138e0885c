package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merges against a two-pass float64 reference over the same seeded data, whole and tile by tile. */
class CoMomentsTest {

    private static final int WIDTH = 37; // not a multiple of the tile size: the last tiles are ragged
    private static final int ROWS = 3000;

    /** Correlated, offset data: the hard case for a naive sum-of-products covariance. */
    private static float[] data(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[ROWS * WIDTH];
        for (int r = 0; r < ROWS; r++) {
            double common = rng.nextGaussian();
            for (int j = 0; j < WIDTH; j++) {
                x[r * WIDTH + j] = (float) (100 + j + (j % 3 + 1) * common + 0.5 * rng.nextGaussian());
            }
        }
        return x;
    }

    /** Two passes in float64: the mean, then the sum of products of the deviations. */
    private static double[][] reference(float[] x, double[] mean) {
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < WIDTH; j++) {
                mean[j] += x[r * WIDTH + j];
            }
        }
        for (int j = 0; j < WIDTH; j++) {
            mean[j] /= ROWS;
        }
        double[][] c = new double[WIDTH][WIDTH];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < WIDTH; i++) {
                double di = x[r * WIDTH + i] - mean[i];
                for (int j = 0; j < WIDTH; j++) {
                    c[i][j] += di * (x[r * WIDTH + j] - mean[j]);
                }
            }
        }
        return c;
    }

    /** Accumulators over random-length chunks of the data, in a shuffled order. */
    private static List<CoMoments> chunks(float[] x, long seed) {
        Random rng = new Random(seed);
        List<CoMoments> parts = new ArrayList<>();
        for (int from = 0; from < ROWS; ) {
            int n = Math.min(ROWS - from, 1 + rng.nextInt(400));
            float[] part = new float[n * WIDTH];
            System.arraycopy(x, from * WIDTH, part, 0, part.length);
            parts.add(CoMoments.empty(WIDTH).addBatch(part, n));
            from += n;
        }
        Collections.shuffle(parts, rng);
        return parts;
    }

    private static void assertMatches(double[][] c, double[] mean, CoMoments actual) {
        assertEquals(ROWS, actual.count());
        for (int i = 0; i < WIDTH; i++) {
            assertEquals(mean[i], actual.mean(i), 1e-9 * Math.abs(mean[i]), "mean " + i);
            for (int j = 0; j < WIDTH; j++) {
                double scale = Math.sqrt(c[i][i] * c[j][j]);
                assertEquals(c[i][j], actual.coMoment(i, j), 1e-9 * scale, "C[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void mergedChunksEqualTheTwoPassReference() {
        float[] x = data(20261127L);
        double[] mean = new double[WIDTH];
        double[][] c = reference(x, mean);
        CoMoments merged = CoMoments.empty(WIDTH);
        chunks(x, 7).forEach(merged::merge);
        assertMatches(c, mean, merged);
        // and the diagonal is the variance VBP ranks by
        Moments m = merged.moments();
        Moments direct = Moments.empty(WIDTH).addBatch(x, ROWS);
        for (int j = 0; j < WIDTH; j++) {
            assertEquals(direct.m2(j), m.m2(j), 1e-9 * direct.m2(j));
        }
    }

    @Test
    void tilesMergedApartEqualTheReferenceOnceAssembled() {
        float[] x = data(42L);
        double[] mean = new double[WIDTH];
        double[][] c = reference(x, mean);
        List<CoMoments> parts = chunks(x, 11);
        List<CoMomentsTile> merged = null;
        for (CoMoments part : parts) {
            List<CoMomentsTile> tiles = part.tiles(8);
            if (merged == null) {
                merged = tiles;
            } else {
                for (int t = 0; t < tiles.size(); t++) {
                    merged.set(t, merged.get(t).merge(tiles.get(t)));
                }
            }
        }
        assertEquals(5 * 6 / 2, merged.size(), "37 wide in tiles of 8: 5 x 5, upper triangle");
        Collections.shuffle(merged, new Random(3));
        assertMatches(c, mean, CoMoments.fromTiles(merged));
    }

    @Test
    void aBatchGramShiftedToTheExactMeanEqualsTheTwoPassReference() {
        float[] x = data(5L);
        double[] mean = new double[WIDTH];
        double[][] c = reference(x, mean);
        // the instrumented graph centres on a float32 mean and returns the Gram about it
        float[] centre = new float[WIDTH];
        float[] gram = new float[WIDTH * WIDTH];
        double[] d = new double[WIDTH];
        for (int j = 0; j < WIDTH; j++) {
            centre[j] = (float) mean[j] + 0.01f;
            d[j] = centre[j] - mean[j];
        }
        for (int i = 0; i < WIDTH; i++) {
            for (int j = 0; j < WIDTH; j++) {
                double g = 0;
                for (int r = 0; r < ROWS; r++) {
                    g += (x[r * WIDTH + i] - centre[i]) * (double) (x[r * WIDTH + j] - centre[j]);
                }
                gram[i * WIDTH + j] = (float) g;
            }
        }
        CoMoments shifted = CoMoments.ofBatch(ROWS, mean, gram).shifted(d);
        for (int i = 0; i < WIDTH; i++) {
            for (int j = 0; j < WIDTH; j++) {
                // float32 storage of the Gram: ~1e-7 relative
                assertEquals(c[i][j], shifted.coMoment(i, j), 1e-6 * Math.sqrt(c[i][i] * c[j][j]) + 1e-6 * Math.abs(gram[i * WIDTH + j]));
            }
        }
    }

    @Test
    void batchesMergedFromTheirGramBandsEqualTheTwoPassReference() {
        float[] x = data(99L);
        Random rng = new Random(17);
        int bandRows = 3;
        CoMoments banded = CoMoments.empty(WIDTH);
        CoMoments reference = CoMoments.empty(WIDTH);
        for (int from = 0; from < ROWS; ) {
            int n = Math.min(ROWS - from, 1 + rng.nextInt(700));
            double[] batchMean = new double[WIDTH];
            for (int r = from; r < from + n; r++) {
                for (int j = 0; j < WIDTH; j++) {
                    batchMean[j] += x[r * WIDTH + j];
                }
            }
            for (int j = 0; j < WIDTH; j++) {
                batchMean[j] /= n;
            }
            float[][] bands = new float[(WIDTH + bandRows - 1) / bandRows][];
            for (int b = 0; b < bands.length; b++) {
                int r0 = b * bandRows;
                int rows = Math.min(bandRows, WIDTH - r0);
                int cols = WIDTH - r0;
                bands[b] = new float[rows * cols];
                for (int i = 0; i < rows; i++) {
                    for (int c = 0; c < cols; c++) {
                        int gi = r0 + i;
                        int gj = r0 + c;
                        double g = 0;
                        for (int r = from; r < from + n; r++) {
                            g += (x[r * WIDTH + gi] - batchMean[gi]) * (x[r * WIDTH + gj] - batchMean[gj]);
                        }
                        // below the diagonal a band's values are never read
                        bands[b][i * cols + c] = gj < gi ? Float.NaN : (float) g;
                    }
                }
            }
            banded.mergeBands(n, batchMean, bandRows, bands);
            reference.addBatch(java.util.Arrays.copyOfRange(x, from * WIDTH, (from + n) * WIDTH), n);
            from += n;
        }
        assertEquals(reference.count(), banded.count());
        for (int i = 0; i < WIDTH; i++) {
            assertEquals(reference.mean(i), banded.mean(i), 1e-12 * Math.max(1, Math.abs(reference.mean(i))), "mean " + i);
            for (int j = 0; j < WIDTH; j++) {
                double scale = Math.sqrt(reference.coMoment(i, i) * reference.coMoment(j, j));
                // each batch's Gram was rounded to float32 once
                assertEquals(reference.coMoment(i, j), banded.coMoment(i, j), 1e-6 * scale, "C[" + i + "][" + j + "]");
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> banded.mergeBands(1, new double[WIDTH], bandRows, new float[1][WIDTH * WIDTH]));
    }

    @Test
    void tilesThatDoNotFitTogetherAreRefused() {
        CoMoments a = CoMoments.empty(WIDTH).addBatch(data(1L), ROWS);
        List<CoMomentsTile> tiles = new ArrayList<>(a.tiles(8));
        tiles.remove(3);
        assertThrows(IllegalArgumentException.class, () -> CoMoments.fromTiles(tiles));
        tiles.add(tiles.get(0));
        assertThrows(IllegalArgumentException.class, () -> CoMoments.fromTiles(tiles), "a tile twice");
        assertThrows(IllegalArgumentException.class, () -> a.merge(CoMoments.empty(WIDTH + 1)));
        assertTrue(CoMoments.packedSize(3072) == 3072 * 3073 / 2);
    }
}
