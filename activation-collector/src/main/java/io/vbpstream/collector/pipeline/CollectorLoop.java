package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.ModelRegistry;
import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The collector's transactional consume-process-produce loop, on one thread. Each transaction holds the predictions
 * and dead letters of every image consumed since it began, one moments delta per block over those images, and the
 * consumer offsets just past them. So a crash anywhere either commits all of a window or none of it: after a
 * restart the same images are read again from the last committed offsets and their moments are counted exactly once.
 *
 * <p>A window is committed after {@code flush.images} images or {@code flush.interval}, before partitions are revoked,
 * and before a newly loaded model version is swapped in (so a delta never mixes versions).
 */
public final class CollectorLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger(CollectorLoop.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final LoopSettings settings;
    private final Map<String, Object> kafka;
    private final ModelRegistry registry;
    private final CollectorMetrics metrics;
    private final ImageIntake intake;
    private final WindowRecords windowRecords;
    private final BatchInference inference;
    private final BatchInference.Outcomes outcomes = new WindowOutcomes();
    private final Consumer<String> fenced;
    private final MomentsWindow window;
    private final CoMomentsAccumulator coMoments;

    private volatile boolean running = true;
    private volatile long heartbeatNanos = System.nanoTime();
    private volatile boolean connected;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private CollectorClients clients;
    private ServingModel model;
    private float[] buffer = new float[0];

    /**
     * @param fenced told, once, when another collector with this one's instance id has taken over its transactional id:
     *               the loop has stopped for good, and the process should exit with the message
     */
    public CollectorLoop(LoopSettings settings, Map<String, Object> kafka, ModelRegistry registry, CollectorMetrics metrics,
                         Consumer<String> fenced) {
        this.fenced = fenced;
        this.settings = settings;
        this.kafka = kafka;
        this.registry = registry;
        this.metrics = metrics;
        this.intake = new ImageIntake(settings.limits(), settings.recordLimits());
        this.windowRecords = new WindowRecords(settings.instanceId(), settings.topK(), settings.recordLimits());
        this.inference = new BatchInference(metrics, () -> running);
        this.window = new MomentsWindow(settings.flushImages(), settings.flushInterval().toNanos());
        this.coMoments = new CoMomentsAccumulator(settings.coMomentsFirst(), settings.coMomentsMaxAge().toNanos(),
                settings.gramRows());
    }

    @Override
    public void run() {
        while (running) {
            model = awaitModel();
            if (model == null) {
                return;
            }
            try {
                heartbeatNanos = System.nanoTime();
                openClients();
                while (running) {
                    step();
                }
                finish();
            } catch (ProducerFencedException | InvalidProducerEpochException | FencedInstanceIdException e) {
                // a newer producer epoch (ProducerFencedException, or, with transactions v2, "attempted to produce
                // with an old epoch") is either the coordinator's abort of a transaction that outlived its timeout or
                // another process that initialised our transactional id
                if (e instanceof FencedInstanceIdException || !window.isOpen()
                        || window.ageNanos(System.nanoTime()) < settings.transactionTimeout().toNanos()) {
                    // not our own transaction timing out: a newer consumer (static member) or producer with our
                    // instance id exists. Reopening would fence it in turn, and the two would take turns for ever
                    String why = String.format("another collector with vbp.collector.instance-id=%s (its consumer's"
                            + " group.instance.id, and transactional id %s) started and fenced this one (%s): every"
                            + " collector needs an instance id of its own (on Kubernetes the pod name, HOSTNAME; set"
                            + " vbp.collector.instance-id or HOSTNAME). This collector stops; the newer one goes on",
                            settings.instanceId(), transactionalId(), e.getClass().getSimpleName());
                    LOG.error(why);
                    running = false;
                    fenced.accept(why);
                } else {
                    LOG.errorf("transactional producer %s was fenced after its transaction outlived its timeout (%s);"
                            + " reopening the clients", transactionalId(), e.getMessage());
                    pause(Duration.ofSeconds(2));
                }
            } catch (BatchInference.StoppedMidBatch e) {
                LOG.warnf("stopped while a batch ran (%s): the open window is aborted, its images are read again by"
                        + " the next collector", e.getCause().getMessage());
                try {
                    producer.abortTransaction();
                    metrics.transaction("aborted");
                } catch (RuntimeException abortFailed) {
                    LOG.warnf("the abort failed too (%s); the coordinator aborts the transaction at its timeout",
                            abortFailed.getMessage());
                }
            } catch (OutOfOrderSequenceException | AuthorizationException e) {
                LOG.errorf("transactional producer %s cannot continue (%s); reopening the clients",
                        transactionalId(), e.getMessage());
                pause(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.errorf(e, "collector loop failed; reopening the clients");
                pause(Duration.ofSeconds(2));
            } finally {
                window.clear();
                dropCoMoments(CollectorMetrics.DROPPED_RESTART);
                coMoments.windowClosed();
                closeClients();
            }
        }
        coMoments.close();
    }

    /** Asks the loop to commit what it has and stop. */
    public void stop() {
        running = false;
    }

    /** Nanotime of the loop's last iteration, for liveness. */
    public long heartbeatNanos() {
        return heartbeatNanos;
    }

    /** True once the clients are open and the transactional producer is initialised. */
    public boolean connected() {
        return connected;
    }

    private ServingModel awaitModel() {
        while (running) {
            heartbeatNanos = System.nanoTime();
            registry.swapIfPending().ifPresent(ServingModel::close);
            if (registry.current() != null) {
                return registry.current();
            }
            pause(Duration.ofMillis(100));
        }
        return null;
    }

    private void step() {
        heartbeatNanos = System.nanoTime();
        if (!window.isOpen() && registry.hasPending()) {
            registry.swapIfPending().ifPresent(ServingModel::close);
            if (model != registry.current()) {
                // the old version is superseded: its co-moments would only be stored, never used
                dropCoMoments(CollectorMetrics.DROPPED_SUPERSEDED);
                coMoments.reset();
            }
            model = registry.current();
        }
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
            try {
                if (!process(records)) {
                    return;
                }
            } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException e) {
                logIfTimedOut(e);
                throw e;
            } catch (KafkaException e) {
                LOG.warnf("send failed (%s); aborting the transaction", e.getMessage());
                logIfTimedOut(e);
                abort();
                return;
            }
        }
        long now = System.nanoTime();
        if (window.isDue(now) || (window.isOpen() && registry.hasPending())) {
            commit();
        } else if (!window.isOpen() && coMoments.isDue(now)) {
            // no traffic since the co-moments became due (by age): they go out in a transaction of their own
            producer.beginTransaction();
            commit();
        }
    }

    /**
     * Runs one poll's records batch by batch. Between batches the loop beats the liveness heartbeat and commits the
     * window when it is due, so a window lasts at most {@code flush.interval} plus one batch, however slow the model
     * and however long the poll. Returns false when the rest of the poll must not be processed: the window was aborted
     * (the consumer has rewound to the committed offsets, so those records come again) or the loop is stopping (the
     * records not yet consumed stay uncommitted for the next owner of their partitions).
     */
    private boolean process(ConsumerRecords<String, byte[]> records) {
        int size = model.preprocessor().size();
        int batchSize = settings.imagesPerBatch(model.activationBytesPerImage());
        if (buffer.length != batchSize * size) {
            buffer = new float[batchSize * size];
        }
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(batchSize);
        for (ConsumerRecord<String, byte[]> rec : records) {
            if (!window.isOpen()) {
                producer.beginTransaction();
            }
            window.consumed(new TopicPartition(rec.topic(), rec.partition()), rec.offset(), System.nanoTime());
            ImageIntake.Refusal refusal = intake.admit(rec.serializedKeySize(), rec.headers());
            if (refusal == null) {
                refusal = intake.accept(rec.value(), VbpHeaders.get(rec.headers(), VbpHeaders.CONTENT_TYPE),
                        model.preprocessor(), buffer, batch.size() * size);
            }
            if (refusal != null) {
                deadLetter(rec, refusal);
                continue;
            }
            batch.add(rec);
            if (batch.size() == batchSize) {
                infer(batch);
                batch.clear();
                if (!betweenBatches()) {
                    return false;
                }
            }
        }
        if (!batch.isEmpty()) {
            infer(batch);
        }
        return true;
    }

    /** After a batch: heartbeat, and the window committed if it is due; false to stop processing the poll. */
    private boolean betweenBatches() {
        long now = System.nanoTime();
        heartbeatNanos = now;
        if (window.isDue(now) && !commit()) {
            return false;
        }
        return running;
    }

    private void infer(List<ConsumerRecord<String, byte[]>> batch) {
        inference.run(model, buffer, batch, outcomes);
    }

    /** What a batch's inference gives the open window: predictions and dead letters sent, moments and rows kept. */
    private final class WindowOutcomes implements BatchInference.Outcomes {
        @Override
        public void predicted(ConsumerRecord<String, byte[]> image, float[] logits, int offset, int classes,
                              double inferenceMs, int batchSize) {
            producer.send(windowRecords.prediction(image, model.version(), logits, offset, classes, model::label,
                    inferenceMs, batchSize, System.currentTimeMillis()));
        }

        @Override
        public void moments(Map<String, Moments> blocks, int images) {
            window.add(blocks, images);
        }

        @Override
        public void failed(ConsumerRecord<String, byte[]> image, ImageIntake.Refusal refusal) {
            deadLetter(image, refusal);
        }

        /**
         * The accumulation goes (its samples cannot be told apart), and the rest of the window merges none, so no
         * publication claims images whose samples were dropped.
         */
        @Override
        public void sampledRowsLost() {
            dropCoMoments(CollectorMetrics.DROPPED_FAILED_BATCH);
            coMoments.skipRestOfWindow();
        }

        @Override
        public boolean sampledRows(String block, int width, float[] rows, int count) {
            return coMoments.addRows(block, width, rows, count, System.nanoTime());
        }
    }

    /** Forgets the co-moments gathered since the last publication, counting the samples under {@code reason}. */
    private void dropCoMoments(String reason) {
        long dropped = coMoments.drop();
        if (dropped > 0) {
            metrics.coMomentsDropped(reason, dropped);
            LOG.infof("dropped %d co-moment samples gathered since the last publication (%s)", dropped, reason);
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> rec, ImageIntake.Refusal refusal) {
        producer.send(windowRecords.deadLetter(rec, refusal));
        metrics.deadLetter(refusal.reason());
        LOG.debugf("dead-lettered %s-%d@%d: %s %s", rec.topic(), rec.partition(), rec.offset(), refusal.reason(), refusal.detail());
    }

    /**
     * Publishes the window's deltas and commits them with the offsets, in the open transaction. Returns false if the
     * commit failed and the window was aborted (the consumer rewound to the committed offsets).
     */
    private boolean commit() {
        return commit(false);
    }

    /**
     * At stop: commits the open window and publishes the co-moments gathered so far, whatever their number (a rolling
     * restart loses nothing), in a transaction of their own if no window is open.
     */
    private void finish() {
        if (!window.isOpen() && coMoments.samples() > 0) {
            producer.beginTransaction();
        } else if (!window.isOpen()) {
            return;
        }
        commit(true);
    }

    private boolean commit(boolean publishCoMoments) {
        try {
            int deltas = 0;
            if (window.images() > 0) {
                deltas = windowRecords.momentsDeltas(model.version(), window.images(), window.offsetRanges(),
                        window.blocks(), producer::send);
                coMoments.covered(window.images(), window.offsetRanges());
            }
            long published = 0;
            if (publishCoMoments ? coMoments.samples() > 0 : coMoments.isDue(System.nanoTime())) {
                published = publishCoMoments();
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
            logIfTimedOut(e);
            throw e;
        } catch (KafkaException e) {
            LOG.warnf("commit failed (%s); aborting the transaction", e.getMessage());
            logIfTimedOut(e);
            abort();
            return false;
        }
    }

    /**
     * When a send or commit fails after the window was open longer than {@code transaction.timeout.ms}, the cause is
     * almost always that the coordinator aborted the transaction: say so, with the settings that change it.
     */
    private void logIfTimedOut(KafkaException e) {
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
     * The accumulated co-moment matrices as tiles, each to its block's partition (so one aggregator task merges all of
     * a block's tiles in order), with headers as the moments deltas have them: the images and offsets covered (those of
     * every window since the last publication). Returns the samples published.
     */
    private long publishCoMoments() {
        long samples = coMoments.samples();
        int tiles = windowRecords.coMomentTiles(model.version(), coMoments.images(), coMoments.offsetRanges(),
                coMoments.blocks(), settings.tileSize(), clients.coMomentsPartitions(), producer::send);
        if (tiles > 0) {
            metrics.coMomentsTiles(tiles, model.modelId(), model.versionName());
        }
        return samples;
    }

    /**
     * Aborts the open transaction and rewinds every assigned partition to its committed offset, so all records read
     * since (including any of the last poll not yet processed) are read and counted again.
     */
    private void abort() {
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

    private void openClients() {
        int pollRecords = settings.recordsPerPoll(settings.imagesPerBatch(model.activationBytesPerImage()), model.imageNanos());
        clients = CollectorClients.open(settings, kafka, metrics, pollRecords, model.predictor().coMoments(),
                new Rebalance());
        producer = clients.producer();
        consumer = clients.consumer();
        connected = true;
        LOG.infof("consuming %s as %s (transactional id %s, polls of up to %d records), serving %s",
                Topic.IMAGES.topicName(), settings.group(), transactionalId(), pollRecords, model);
    }

    private void closeClients() {
        connected = false;
        if (clients != null) {
            clients.close();
        }
        clients = null;
        producer = null;
        consumer = null;
    }

    private String transactionalId() {
        return CollectorClients.transactionalId(settings.instanceId());
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Commits the open window before partitions move to another instance; drops it if they are already gone. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (window.isOpen()) {
                commit();
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
                producer.abortTransaction();
                metrics.transaction("aborted");
                window.clear();
                dropCoMoments(CollectorMetrics.DROPPED_ABORTED);
                coMoments.windowClosed();
                rewindToCommitted();
            }
        }
    }
}
