package io.vbpstream.core.runtime;

import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;

import java.io.IOException;
import java.util.function.IntConsumer;

/** Top-1 predictions over an image set, and the accuracy and agreement computed from them. */
public final class Evaluator {

    private Evaluator() {
    }

    public static int[] predict(ModelSession session, ImageSet images, Preprocessor preprocessor, int batchSize,
                                IntConsumer progress) throws IOException {
        Batches batches = new Batches(images, preprocessor, batchSize);
        int[] predictions = new int[images.size()];
        for (int b = 0; b < batches.count(); b++) {
            float[][] logits = session.logits(batches.load(b), batches.shape(b));
            for (int i = 0; i < logits.length; i++) {
                predictions[batches.start(b) + i] = Batches.argmax(logits[i]);
            }
            progress.accept(logits.length);
        }
        return predictions;
    }

    /** Fraction of predictions equal to the labels; NaN when the set has no labels. */
    public static double accuracy(int[] predictions, ImageSet images) {
        if (!images.hasLabels()) {
            return Double.NaN;
        }
        int correct = 0;
        for (int i = 0; i < predictions.length; i++) {
            correct += predictions[i] == images.label(i) ? 1 : 0;
        }
        return (double) correct / predictions.length;
    }

    /** Fraction of positions where two prediction arrays agree. */
    public static double agreement(int[] a, int[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("prediction arrays differ in length");
        }
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return (double) same / a.length;
    }
}
