package io.vbpstream.core.stats;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenSamplerTest {

    @Test
    void drawsDistinctPositionsInRangeAndTheSameOnesForTheSameSeed() {
        for (long seed = 0; seed < 200; seed++) {
            int[] p = TokenSampler.positions(seed, 197, 8);
            assertEquals(8, p.length);
            Set<Integer> distinct = new HashSet<>();
            for (int t : p) {
                assertTrue(t >= 0 && t < 197, "position " + t);
                distinct.add(t);
            }
            assertEquals(8, distinct.size(), "without replacement");
            assertArrayEquals(p, TokenSampler.positions(seed, 197, 8), "a function of the seed alone");
        }
        assertArrayEquals(new int[] {0, 1, 2}, TokenSampler.positions(7, 3, 8), "a model with fewer tokens gives all");
    }

    /**
     * Every position has the same chance k/T: over 20 000 seeds each of 50 positions is drawn 20 000 x 8 / 50 = 3200
     * times in expectation, with a standard deviation of about 52; a bound of 6 deviations cannot fail by chance.
     */
    @Test
    void everyTokenIsEquallyLikely() {
        int tokens = 50;
        int k = 8;
        int seeds = 20_000;
        int[] hits = new int[tokens];
        for (int s = 0; s < seeds; s++) {
            for (int t : TokenSampler.positions(TokenSampler.imageSeed(0, 0, s), tokens, k)) {
                hits[t]++;
            }
        }
        double expected = (double) seeds * k / tokens;
        double sd = Math.sqrt(seeds * ((double) k / tokens) * (1 - (double) k / tokens));
        for (int t = 0; t < tokens; t++) {
            assertEquals(expected, hits[t], 6 * sd, "position " + t + ": " + Arrays.toString(hits));
        }
    }

    @Test
    void rowsOffsetEachImageByItsTokens() {
        long[] seeds = {11, 12, 13};
        long[] rows = TokenSampler.rows(seeds, 10, 2);
        assertEquals(6, rows.length);
        for (int i = 0; i < 3; i++) {
            int[] p = TokenSampler.positions(seeds[i], 10, 2);
            assertEquals(i * 10L + p[0], rows[2 * i]);
            assertEquals(i * 10L + p[1], rows[2 * i + 1]);
        }
    }

    @Test
    void imageSeedsDifferAcrossPartitionsOffsetsAndBases() {
        long a = TokenSampler.imageSeed(0, 0, 1);
        assertNotEquals(a, TokenSampler.imageSeed(0, 0, 2));
        assertNotEquals(a, TokenSampler.imageSeed(0, 1, 1));
        assertNotEquals(a, TokenSampler.imageSeed(1, 0, 1));
        assertEquals(a, TokenSampler.imageSeed(0, 0, 1));
    }

    @Test
    void refusesEmptyRanges() {
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.positions(1, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> TokenSampler.positions(1, 5, 0));
    }
}
