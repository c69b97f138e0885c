package io.vbpstream.core.stats;

/**
 * One batch's {@link CoMoments} from its samples, in two passes: the batch mean, then the Gram about it (what
 * {@link CoMoments#addBatch} merges).
 */
final class BatchCoMoments {

    private BatchCoMoments() {
    }

    /** The accumulator of {@code rows > 0} samples (row-major, {@code rows x width}, {@code width} valid). */
    static CoMoments of(float[] data, int rows, int width) {
        double[] mean = new double[width];
        double[] upper = new double[CoMoments.packedSize(width)];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                mean[j] += data[r * width + j];
            }
        }
        for (int j = 0; j < width; j++) {
            mean[j] /= rows;
        }
        double[] centred = new double[width];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                centred[j] = data[r * width + j] - mean[j];
            }
            int k = 0;
            for (int i = 0; i < width; i++) {
                double ci = centred[i];
                for (int j = i; j < width; j++) {
                    upper[k++] += ci * centred[j];
                }
            }
        }
        return new CoMoments(rows, mean, upper);
    }
}
