package io.vbpstream.core.stats;

/**
 * The merge of one batch's Gram, given in the row bands {@code GramKernel} in the runtime package returns, into a
 * packed co-moment triangle: the arithmetic behind {@link CoMoments#mergeBands}, on the accumulator's arrays.
 */
final class GramBandMerge {

    private GramBandMerge() {
    }

    /**
     * Merges a batch of {@code batchCount} samples given as its mean and its Gram about that mean in bands of
     * {@code bandRows} rows ({@code bands[b]} holds rows {@code b·bandRows ..} from column {@code b·bandRows} to the
     * last, row-major) into the accumulator of {@code count} samples with {@code mean} and the packed {@code upper}
     * triangle, which it updates in place. Only the part on or above the diagonal is read.
     *
     * @return the merged count ({@code count} when the batch is empty)
     */
    static long merge(long count, double[] mean, double[] upper, long batchCount, double[] batchMean, int bandRows,
                      float[][] bands) {
        int width = mean.length;
        if (batchMean.length != width || bandRows < 1 || bands.length != (width + bandRows - 1) / bandRows) {
            throw new IllegalArgumentException("a batch of width " + batchMean.length + " in " + bands.length
                    + " bands of " + bandRows + " rows merged into width " + width);
        }
        for (int b = 0; b < bands.length; b++) {
            int r0 = b * bandRows;
            long expected = (long) Math.min(bandRows, width - r0) * (width - r0);
            if (bands[b].length != expected) {
                throw new IllegalArgumentException("band " + b + " holds " + bands[b].length + " values, expected "
                        + expected);
            }
        }
        if (batchCount <= 0) {
            return count;
        }
        double[] d = new double[width];
        for (int j = 0; j < width; j++) {
            d[j] = batchMean[j] - mean[j];
        }
        long n = count + batchCount;
        double f = count == 0 ? 0 : (double) count * batchCount / n;
        int k = 0;
        for (int i = 0; i < width; i++) {
            int b = i / bandRows;
            int c0 = b * bandRows;
            float[] band = bands[b];
            // row i of the band starts at column c0; its diagonal is at column i
            int at = (i - c0) * (width - c0) + (i - c0);
            double di = d[i] * f;
            upper[k++] += Math.max(0.0, band[at]) + di * d[i];
            for (int j = i + 1; j < width; j++) {
                upper[k++] += band[++at] + di * d[j];
            }
        }
        for (int j = 0; j < width; j++) {
            mean[j] = count == 0 ? batchMean[j] : mean[j] + d[j] * batchCount / n;
        }
        return n;
    }
}
