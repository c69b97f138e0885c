package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs one poll's records through the open window batch by batch: each record is consumed into the window (a
 * transaction begun first if none is open), admitted and decoded into the batch buffer or dead-lettered, and each
 * full batch inferred. Between batches the caller decides whether to go on (it beats the heartbeat and commits a due
 * window there), so a window lasts at most {@code flush.interval} plus one batch, however slow the model.
 */
final class PollBatches {

    private final LoopSettings settings;
    private final ImageIntake intake;
    private final BatchInference inference;
    private final WindowOutcomes outcomes;
    private final MomentsWindow window;
    private final WindowTransactions transactions;
    private float[] buffer = new float[0];

    PollBatches(LoopSettings settings, BatchInference inference, WindowOutcomes outcomes, MomentsWindow window,
                WindowTransactions transactions) {
        this.settings = settings;
        this.intake = new ImageIntake(settings.limits(), settings.recordLimits());
        this.inference = inference;
        this.outcomes = outcomes;
        this.window = window;
        this.transactions = transactions;
    }

    /**
     * Processes {@code records} with {@code model}. Returns false when {@code betweenBatches} said to stop: the rest
     * of the poll is not processed (after an abort the consumer has rewound, so those records come again; when the
     * loop stops, the records not yet consumed stay uncommitted for the next owner of their partitions).
     */
    boolean process(ConsumerRecords<String, byte[]> records, ServingModel model, BooleanSupplier betweenBatches) {
        int size = model.preprocessor().size();
        int batchSize = settings.imagesPerBatch(model.activationBytesPerImage());
        if (buffer.length != batchSize * size) {
            buffer = new float[batchSize * size];
        }
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(batchSize);
        for (ConsumerRecord<String, byte[]> rec : records) {
            transactions.beginIfClosed();
            window.consumed(new TopicPartition(rec.topic(), rec.partition()), rec.offset(), System.nanoTime());
            ImageIntake.Refusal refusal = intake.admit(rec.serializedKeySize(), rec.headers());
            if (refusal == null) {
                refusal = intake.accept(rec.value(), VbpHeaders.get(rec.headers(), VbpHeaders.CONTENT_TYPE),
                        model.preprocessor(), buffer, batch.size() * size);
            }
            if (refusal != null) {
                outcomes.failed(rec, refusal);
                continue;
            }
            batch.add(rec);
            if (batch.size() == batchSize) {
                inference.run(model, buffer, batch, outcomes);
                batch.clear();
                if (!betweenBatches.getAsBoolean()) {
                    return false;
                }
            }
        }
        if (!batch.isEmpty()) {
            inference.run(model, buffer, batch, outcomes);
        }
        return true;
    }
}
