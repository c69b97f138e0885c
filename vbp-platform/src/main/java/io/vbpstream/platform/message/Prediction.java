package io.vbpstream.platform.message;

import java.util.List;

/**
 * One image's prediction on the {@code predictions} topic, keyed like the image. Schema {@value #SCHEMA}.
 *
 * @param key         the image record's key (null if it had none)
 * @param model       model id
 * @param version     model version that made the prediction
 * @param top         the top-k classes, best first
 * @param label       the image's {@code label} header, if it had one (ground truth for online accuracy)
 * @param inferenceMs wall time of the inference batch the image was in
 * @param batchSize   images in that batch
 * @param latencyMs   from the image record's timestamp to the prediction (queueing included)
 * @param source      where the image came from
 */
public record Prediction(int schema, String key, String model, String version, List<Scored> top, String label,
                         double inferenceMs, int batchSize, long latencyMs, Source source) {

    public static final int SCHEMA = 1;

    /** A class and its softmax probability. */
    public record Scored(int index, String label, double score) {
    }

    /** The image record's coordinates. */
    public record Source(String topic, int partition, long offset) {
    }

    public static Prediction read(byte[] json) {
        return Messages.read(json, Prediction.class, SCHEMA);
    }
}
