package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.core.stats.Moments;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What a batch's inference gives the open window: predictions and dead letters sent in its transaction, moments
 * added to the window, sampled rows to the co-moment accumulation.
 */
final class WindowOutcomes implements BatchInference.Outcomes {

    private static final Logger LOG = Logger.getLogger(CollectorLoop.class);

    private final WindowTransactions transactions;
    private final WindowRecords records;
    private final MomentsWindow window;
    private final CoMomentsAccumulator coMoments;
    private final CollectorMetrics metrics;
    private final Supplier<ServingModel> model;

    WindowOutcomes(WindowTransactions transactions, WindowRecords records, MomentsWindow window,
                   CoMomentsAccumulator coMoments, CollectorMetrics metrics, Supplier<ServingModel> model) {
        this.transactions = transactions;
        this.records = records;
        this.window = window;
        this.coMoments = coMoments;
        this.metrics = metrics;
        this.model = model;
    }

    @Override
    public void predicted(ConsumerRecord<String, byte[]> image, float[] logits, int offset, int classes,
                          double inferenceMs, int batchSize) {
        ServingModel m = model.get();
        transactions.send(records.prediction(image, m.version(), logits, offset, classes, m::label,
                inferenceMs, batchSize, System.currentTimeMillis()));
    }

    @Override
    public void moments(Map<String, Moments> blocks, int images) {
        window.add(blocks, images);
    }

    @Override
    public void failed(ConsumerRecord<String, byte[]> image, ImageIntake.Refusal refusal) {
        transactions.send(records.deadLetter(image, refusal));
        metrics.deadLetter(refusal.reason());
        LOG.debugf("dead-lettered %s-%d@%d: %s %s", image.topic(), image.partition(), image.offset(), refusal.reason(),
                refusal.detail());
    }

    /**
     * The accumulation goes (its samples cannot be told apart), and the rest of the window merges none, so no
     * publication claims images whose samples were dropped.
     */
    @Override
    public void sampledRowsLost() {
        transactions.dropCoMoments(CollectorMetrics.DROPPED_FAILED_BATCH);
        coMoments.skipRestOfWindow();
    }

    @Override
    public boolean sampledRows(String block, int width, float[] rows, int count) {
        return coMoments.addRows(block, width, rows, count, System.nanoTime());
    }
}
