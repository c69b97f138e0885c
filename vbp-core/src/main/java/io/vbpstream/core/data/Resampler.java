package io.vbpstream.core.data;

/**
 * Pillow's 8-bit resampling ({@code ImagingResample}), computed for the kept window only: a horizontal pass into
 * 8-bit rows, then a vertical one, each with the filter stretched by the scale when shrinking (antialiasing), weights
 * normalised to one and held as 22-bit fixed point, and every result rounded and clipped to 0..255. Pixel for pixel it
 * is what {@code Image.resize(..., BICUBIC)} followed by a crop gives (the golden files in the tests were written by
 * Pillow, {@code vbp-core/src/test/resources/golden/preprocess/make_golden.py}). One plane at a time, no
 * {@code BufferedImage} calls: a 500x375 RGB image to 224x224 is a few million integer multiply-adds.
 */
public final class Resampler {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** The taps of one axis: for output position {@code i}, inputs {@code first[i] .. first[i] + count[i] - 1}. */
    record Taps(int[] first, int[] count, int[] weights, int stride) {
    }

    private Resampler() {
    }

    /**
     * Resamples one 8-bit plane of {@code w x h} (row-major, starting at {@code offset}) to the geometry's window.
     *
     * @return the window's {@code g.width() x g.height()} pixels, row-major
     */
    public static byte[] resample(byte[] plane, int offset, int w, int h, ResizeGeometry g, Interpolation filter) {
        boolean horizontal = g.resizedWidth() != w;
        boolean vertical = g.resizedHeight() != h;
        Taps cols = horizontal ? taps(w, g.resizedWidth(), g.left(), g.width(), filter) : null;
        Taps rows = vertical ? taps(h, g.resizedHeight(), g.top(), g.height(), filter) : null;
        // the source rows the vertical pass reads (all of the window's, when there is no vertical pass)
        int rowFrom = vertical ? rows.first()[0] : g.top();
        int rowTo = vertical ? rows.first()[g.height() - 1] + rows.count()[g.height() - 1] : g.top() + g.height();
        int across = g.width();
        byte[] mid = new byte[(rowTo - rowFrom) * across];
        for (int y = rowFrom; y < rowTo; y++) {
            int src = offset + y * w;
            int dst = (y - rowFrom) * across;
            if (!horizontal) {
                System.arraycopy(plane, src + g.left(), mid, dst, across);
                continue;
            }
            for (int x = 0; x < across; x++) {
                int first = cols.first()[x];
                int k = x * cols.stride();
                int sum = 1 << (PRECISION_BITS - 1);
                for (int t = 0, n = cols.count()[x]; t < n; t++) {
                    sum += (plane[src + first + t] & 0xff) * cols.weights()[k + t];
                }
                mid[dst + x] = clip8(sum);
            }
        }
        if (!vertical) {
            return mid;
        }
        byte[] out = new byte[g.width() * g.height()];
        int[] sums = new int[across];
        for (int y = 0; y < g.height(); y++) {
            int first = rows.first()[y] - rowFrom;
            int k = y * rows.stride();
            java.util.Arrays.fill(sums, 1 << (PRECISION_BITS - 1));
            // row by row of the taps, so the inner loop runs along memory
            for (int t = 0, n = rows.count()[y]; t < n; t++) {
                int weight = rows.weights()[k + t];
                int row = (first + t) * across;
                for (int x = 0; x < across; x++) {
                    sums[x] += (mid[row + x] & 0xff) * weight;
                }
            }
            for (int x = 0; x < across; x++) {
                out[y * across + x] = clip8(sums[x]);
            }
        }
        return out;
    }

    /** Pillow's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc} for outputs {@code from .. from + count - 1}. */
    static Taps taps(int inSize, int outSize, int from, int count, Interpolation filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(1.0, scale);
        double support = filter.support() * filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[count];
        int[] n = new int[count];
        int[] weights = new int[count * stride];
        double[] k = new double[stride];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < count; i++) {
            double center = (from + i + 0.5) * scale;
            int min = Math.max(0, (int) (center - support + 0.5));
            int max = Math.min(inSize, (int) (center + support + 0.5)) - min;
            double total = 0;
            for (int t = 0; t < max; t++) {
                k[t] = filter.weight((t + min - center + 0.5) * ss);
                total += k[t];
            }
            for (int t = 0; t < max; t++) {
                double v = total != 0.0 ? k[t] / total : k[t];
                weights[i * stride + t] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            first[i] = min;
            n[i] = max;
        }
        return new Taps(first, n, weights, stride);
    }

    private static byte clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
