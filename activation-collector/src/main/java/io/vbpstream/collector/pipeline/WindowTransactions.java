package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The collector's transactions around its open window: begin, commit (the window's moments deltas, the co-moments
 * when due, the consumer offsets), and abort with a rewind to the committed offsets. It holds the clients the loop
 * opened ({@link #attach}); the window and the co-moment accumulation outlive them.
 */
final class WindowTransactions {

    private static final Logger LOG = Logger.getLogger(CollectorLoop.class);

    private final LoopSettings settings;
    private final CollectorMetrics metrics;
    private final WindowRecords records;
    private final MomentsWindow window;
    private final CoMomentsAccumulator coMoments;
    private CollectorClients clients;
    private KafkaProducer<String, byte[]> producer;
    private KafkaConsumer<String, byte[]> consumer;

    WindowTransactions(LoopSettings settings, CollectorMetrics metrics, WindowRecords records, MomentsWindow window,
                       CoMomentsAccumulator coMoments) {
        this.settings = settings;
        this.metrics = metrics;
        this.records = records;
        this.window = window;
        this.coMoments = coMoments;
    }

    void attach(CollectorClients opened) {
        this.clients = opened;
        this.producer = opened == null ? null : opened.producer();
        this.consumer = opened == null ? null : opened.consumer();
    }

    /** Begins a transaction unless a window is open (then one is). */
    void beginIfClosed() {
        if (!window.isOpen()) {
            producer.beginTransaction();
        }
    }

    void send(ProducerRecord<String, byte[]> record) {
        producer.send(record);
    }

    /**
     * Publishes the window's deltas and commits them with the offsets, in the open transaction. Returns false if the
     * commit failed and the window was aborted (the consumer rewound to the committed offsets).
     */
    boolean commit(ServingModel model) {
        return commit(model, false);
    }

    /** With no window open: publishes the co-moments that are due (by age) in a transaction of their own. */
    void commitCoMomentsAlone(ServingModel model) {
        producer.beginTransaction();
        commit(model);
    }

    /**
     * At stop: commits the open window and publishes the co-moments gathered so far, whatever their number (a rolling
     * restart loses nothing), in a transaction of their own if no window is open.
     */
    void finish(ServingModel model) {
        if (!window.isOpen() && coMoments.samples() > 0) {
            producer.beginTransaction();
        } else if (!window.isOpen()) {
            return;
        }
        commit(model, true);
    }

    private boolean commit(ServingModel model, boolean publishCoMoments) {
        try {
            int deltas = 0;
            if (window.images() > 0) {
                deltas = records.momentsDeltas(model.version(), window.images(), window.offsetRanges(),
                        window.blocks(), producer::send);
                coMoments.covered(window.images(), window.offsetRanges());
            }
            long published = 0;
            if (publishCoMoments ? coMoments.samples() > 0 : coMoments.isDue(System.nanoTime())) {
                published = publishCoMoments(model);
            }
            if (!window.commitOffsets().isEmpty()) {
                producer.sendOffsetsToTransaction(window.commitOffsets(), consumer.groupMetadata());
            }
            producer.commitTransaction();
            metrics.transaction("committed");
            metrics.momentsDeltas(deltas, model.modelId(), model.versionName());
            window.clear();
            coMoments.windowClosed();
            if (published > 0) {
                coMoments.published(published);
                metrics.coMomentsPublished(published, model.modelId(), model.versionName());
            }
            return true;
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException e) {
            logIfTimedOut(e, model);
            throw e;
        } catch (KafkaException e) {
            LOG.warnf("commit failed (%s); aborting the transaction", e.getMessage());
            logIfTimedOut(e, model);
            abort();
            return false;
        }
    }

    /**
     * The accumulated co-moment matrices as tiles, each to its block's partition (so one aggregator task merges all of
     * a block's tiles in order), with headers as the moments deltas have them: the images and offsets covered (those of
     * every window since the last publication). Returns the samples published.
     */
    private long publishCoMoments(ServingModel model) {
        long samples = coMoments.samples();
        int tiles = records.coMomentTiles(model.version(), coMoments.images(), coMoments.offsetRanges(),
                coMoments.blocks(), settings.tileSize(), clients.coMomentsPartitions(), producer::send);
        if (tiles > 0) {
            metrics.coMomentsTiles(tiles, model.modelId(), model.versionName());
        }
        return samples;
    }

    /**
     * When a send or commit fails after the window was open longer than {@code transaction.timeout.ms}, the cause is
     * almost always that the coordinator aborted the transaction: say so, with the settings that change it.
     */
    void logIfTimedOut(KafkaException e, ServingModel model) {
        long open = window.ageNanos(System.nanoTime());
        if (open >= settings.transactionTimeout().toNanos()) {
            LOG.errorf("the transaction failed (%s) after it was open %d s, longer than its transaction.timeout.ms of "
                            + "%d s, so the transaction coordinator has most likely aborted it: shorten the windows "
                            + "(vbp.collector.flush.interval, now %s; vbp.collector.batch.size, now %d) or raise "
                            + "vbp.collector.transaction-timeout (at most the broker's transaction.max.timeout.ms)",
                    e.getClass().getSimpleName(), TimeUnit.NANOSECONDS.toSeconds(open),
                    settings.transactionTimeout().toSeconds(), settings.flushInterval(),
                    settings.imagesPerBatch(model.activationBytesPerImage()));
        }
    }

    /**
     * Aborts the open transaction and rewinds every assigned partition to its committed offset, so all records read
     * since (including any of the last poll not yet processed) are read and counted again.
     */
    void abort() {
        try {
            producer.abortTransaction();
        } finally {
            metrics.transaction("aborted");
            window.clear();
            dropCoMoments(CollectorMetrics.DROPPED_ABORTED);
            coMoments.windowClosed();
            rewindToCommitted();
        }
    }

    /** Partitions were lost (not revoked): the open window's transaction is aborted and the consumer rewound. */
    void abortLost() {
        producer.abortTransaction();
        metrics.transaction("aborted");
        window.clear();
        dropCoMoments(CollectorMetrics.DROPPED_ABORTED);
        coMoments.windowClosed();
        rewindToCommitted();
    }

    /** The loop stops mid-batch: the open window's transaction is aborted, and a failed abort only logged. */
    void abortStopped() {
        try {
            producer.abortTransaction();
            metrics.transaction("aborted");
        } catch (RuntimeException abortFailed) {
            LOG.warnf("the abort failed too (%s); the coordinator aborts the transaction at its timeout",
                    abortFailed.getMessage());
        }
    }

    /** Forgets the co-moments gathered since the last publication, counting the samples under {@code reason}. */
    void dropCoMoments(String reason) {
        long dropped = coMoments.drop();
        if (dropped > 0) {
            metrics.coMomentsDropped(reason, dropped);
            LOG.infof("dropped %d co-moment samples gathered since the last publication (%s)", dropped, reason);
        }
    }

    private void rewindToCommitted() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata c = committed.get(tp);
            if (c != null) {
                consumer.seek(tp, c.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    /** Commits the open window before partitions move to another instance; drops it if they are already gone. */
    ConsumerRebalanceListener rebalanceListener(Supplier<ServingModel> model) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (window.isOpen()) {
                    commit(model.get());
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                LOG.infof("assigned %s", partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                if (window.isOpen()) {
                    LOG.warnf("partitions %s lost; aborting the open transaction", partitions);
                    abortLost();
                }
            }
        };
    }
}
