package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.InstrumentedPredictor;
import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.TokenSampler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs one batch of admitted images through the served model and says what came of each: a prediction, or (when
 * the batch fails as a whole and then the image alone) a dead letter. A batch that fails is retried image by image,
 * so one poisonous input costs only itself. Knows nothing of Kafka's clients or transactions: what it finds goes to
 * an {@link Outcomes}.
 */
final class BatchInference {

    private static final Logger LOG = Logger.getLogger(BatchInference.class);

    /** Where a batch's results go. */
    interface Outcomes {
        /** Image {@code image}'s logits are {@code classes} values of {@code logits} from {@code offset}. */
        void predicted(ConsumerRecord<String, byte[]> image, float[] logits, int offset, int classes, double inferenceMs,
                       int batchSize);

        /** The images' moments, one accumulator per block over {@code images} images. */
        void moments(Map<String, Moments> blocks, int images);

        /** The image failed alone too. */
        void failed(ConsumerRecord<String, byte[]> image, ImageIntake.Refusal refusal);

        /** A run that failed had already handed some blocks' sampled rows on: they cannot be told apart, and must go. */
        void sampledRowsLost();

        /** One run's sampled rows of {@code block}, to be accumulated; false if they were not taken. */
        boolean sampledRows(String block, int width, float[] rows, int count);
    }

    /** A batch failed because the loop is stopping (its session closed under it): never the images' fault. */
    static final class StoppedMidBatch extends RuntimeException {
        StoppedMidBatch(RuntimeException cause) {
            super(cause);
        }
    }

    private final CollectorMetrics metrics;
    private final BooleanSupplier running;
    private final BooleanSupplier sampling;

    /**
     * @param running  false once the loop stops: a failure then is the closed session's, not the images'
     * @param sampling false while the served version's co-moments are not wanted: its batches sample no tokens
     */
    BatchInference(CollectorMetrics metrics, BooleanSupplier running, BooleanSupplier sampling) {
        this.metrics = metrics;
        this.running = running;
        this.sampling = sampling;
    }

    /**
     * Runs the first {@code batch.size()} preprocessed images of {@code pixels} (one after another, each
     * {@code model.preprocessor().size()} values). Throws {@link StoppedMidBatch} when the loop stopped under it.
     */
    void run(ServingModel model, float[] pixels, List<ConsumerRecord<String, byte[]>> batch, Outcomes out) {
        long t0 = System.nanoTime();
        Rows rows = new Rows(out);
        BatchResult result;
        try {
            result = model.predictor().predict(new InstrumentedPredictor.Batch(pixels, batch.size(),
                    seeds(model, batch, 0, batch.size()), rows));
        } catch (RuntimeException e) {
            failedRun(e, rows, out);
            oneByOne(model, pixels, batch, e, out);
            return;
        }
        long nanos = System.nanoTime() - t0;
        metrics.batch(batch.size(), nanos, model.modelId(), model.versionName());
        out.moments(result.moments(), batch.size());
        if (rows.added > 0) {
            metrics.coMomentsBatch();
        }
        int classes = result.output().length / batch.size();
        for (int i = 0; i < batch.size(); i++) {
            out.predicted(batch.get(i), result.output(), i * classes, classes, nanos / 1e6, batch.size());
        }
    }

    private void oneByOne(ServingModel model, float[] pixels, List<ConsumerRecord<String, byte[]>> batch,
                          RuntimeException cause, Outcomes out) {
        LOG.warnf("batch of %d failed (%s); retrying image by image", batch.size(), cause.getMessage());
        int size = model.preprocessor().size();
        float[] one = new float[size];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(pixels, i * size, one, 0, size);
            long t0 = System.nanoTime();
            Rows rows = new Rows(out);
            try {
                BatchResult r = model.predictor().predict(new InstrumentedPredictor.Batch(one, 1,
                        seeds(model, batch, i, 1), rows));
                long nanos = System.nanoTime() - t0;
                metrics.batch(1, nanos, model.modelId(), model.versionName());
                out.moments(r.moments(), 1);
                out.predicted(batch.get(i), r.output(), 0, r.output().length, nanos / 1e6, 1);
            } catch (RuntimeException e) {
                failedRun(e, rows, out);
                out.failed(batch.get(i), new ImageIntake.Refusal(CollectorMetrics.INFERENCE_FAILED,
                        String.valueOf(e.getMessage())));
            }
        }
    }

    private void failedRun(RuntimeException e, Rows rows, Outcomes out) {
        if (!running.getAsBoolean()) {
            throw new StoppedMidBatch(e);
        }
        if (rows.added > 0) {
            out.sampledRowsLost(); // the retry would add them again
        }
    }

    /**
     * The token seeds of {@code count} images of the batch from {@code from} (each from its partition and offset, so
     * an image read again draws the same tokens), or null when the model computes no co-moments or they are not
     * wanted now.
     */
    private long[] seeds(ServingModel model, List<ConsumerRecord<String, byte[]>> batch, int from, int count) {
        if (!model.predictor().coMoments() || !sampling.getAsBoolean()) {
            return null;
        }
        long[] seeds = new long[count];
        for (int i = 0; i < count; i++) {
            ConsumerRecord<String, byte[]> rec = batch.get(from + i);
            seeds[i] = TokenSampler.imageSeed(0, rec.partition(), rec.offset());
        }
        return seeds;
    }

    /** Hands a run's sampled rows on, counting the blocks (a failed run that handed some on must drop them). */
    private static final class Rows implements InstrumentedPredictor.RowsSink {
        private final Outcomes out;
        private int added;

        Rows(Outcomes out) {
            this.out = out;
        }

        @Override
        public void accept(String block, int width, float[] rows, int count) {
            if (out.sampledRows(block, width, rows, count)) {
                added++;
            }
        }
    }
}
