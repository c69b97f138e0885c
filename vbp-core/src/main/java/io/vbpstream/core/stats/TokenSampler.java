package io.vbpstream.core.stats;

import java.util.SplittableRandom;

/**
 * Which tokens of each image feed the co-moment estimate: {@code k} distinct positions out of the block's {@code T},
 * drawn uniformly without replacement from the image's own seed (a partial Fisher-Yates shuffle). Every token of every
 * image then has the same chance {@code k/T} to be a sample, so the co-moments of the sampled tokens estimate those of
 * all tokens without bias, and a few tokens from each of many images are far more independent samples per flop than
 * every token of a few images (tokens of one image are strongly correlated).
 *
 * <p>The positions depend only on the seed, never on the batch an image came in, so anyone who knows an image's seed
 * (the collector derives it from the image's partition and offset, {@link #imageSeed}) can recompute its samples.
 */
public final class TokenSampler {

    private TokenSampler() {
    }

    /** The seed of the image at {@code offset} of {@code partition}, under the deployment's {@code base} seed. */
    public static long imageSeed(long base, int partition, long offset) {
        return mix(mix(base ^ 0x9E3779B97F4A7C15L) ^ partition) ^ mix(offset);
    }

    /**
     * {@code min(k, tokens)} distinct positions in {@code [0, tokens)}, in the order drawn.
     *
     * @throws IllegalArgumentException if {@code tokens} or {@code k} is below 1
     */
    public static int[] positions(long seed, int tokens, int k) {
        if (tokens < 1 || k < 1) {
            throw new IllegalArgumentException("tokens and samples per image must be positive, got " + tokens + " and " + k);
        }
        int m = Math.min(k, tokens);
        int[] out = new int[m];
        if (m == tokens) {
            for (int i = 0; i < m; i++) {
                out[i] = i;
            }
            return out;
        }
        SplittableRandom random = new SplittableRandom(seed);
        // sparse Fisher-Yates: position i of the virtual permutation holds swapped[i] if it was moved, else i
        java.util.HashMap<Integer, Integer> swapped = new java.util.HashMap<>();
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(tokens - i);
            int atJ = swapped.getOrDefault(j, j);
            int atI = swapped.getOrDefault(i, i);
            swapped.put(j, atI);
            out[i] = atJ;
        }
        return out;
    }

    /**
     * The rows of a batch's {@code [images · tokens, width]} hidden tensor that are sampled: image {@code i}'s
     * positions offset by {@code i · tokens}.
     */
    public static long[] rows(long[] imageSeeds, int tokens, int k) {
        int m = Math.min(k, tokens);
        long[] rows = new long[imageSeeds.length * m];
        for (int i = 0; i < imageSeeds.length; i++) {
            int[] p = positions(imageSeeds[i], tokens, k);
            for (int j = 0; j < m; j++) {
                rows[i * m + j] = (long) i * tokens + p[j];
            }
        }
        return rows;
    }

    /** SplitMix64's finaliser: a bijection that spreads nearby inputs over the whole range. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
