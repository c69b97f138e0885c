package io.vbpstream.core.runtime;

import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;

import java.io.IOException;

/** Fills a reusable NCHW buffer with consecutive images of an {@link ImageSet}. */
public final class Batches {

    private final ImageSet images;
    private final Preprocessor preprocessor;
    private final int batchSize;
    private final float[] buffer;

    public Batches(ImageSet images, Preprocessor preprocessor, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive");
        }
        this.images = images;
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
        this.buffer = new float[batchSize * preprocessor.size()];
    }

    public int count() {
        return (images.size() + batchSize - 1) / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    /** First image index of batch {@code b}. */
    public int start(int b) {
        return b * batchSize;
    }

    /** Number of images in batch {@code b}. */
    public int length(int b) {
        return Math.min(batchSize, images.size() - b * batchSize);
    }

    /** Loads batch {@code b} into the shared buffer and returns it; valid until the next call. */
    public float[] load(int b) throws IOException {
        int n = length(b);
        int size = preprocessor.size();
        for (int i = 0; i < n; i++) {
            images.write(start(b) + i, preprocessor, buffer, i * size);
        }
        return buffer;
    }

    public long[] shape(int b) {
        return new long[] {length(b), preprocessor.channels(), preprocessor.height(), preprocessor.width()};
    }

    public static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
