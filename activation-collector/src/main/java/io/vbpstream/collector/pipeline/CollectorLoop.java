package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.InstrumentedPredictor;
import io.vbpstream.collector.model.ModelRegistry;
import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.core.stats.TokenSampler;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.KafkaClientSettings;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
    /** Room left in a dead-letter record for headers; a payload bigger than the topic allows minus this is dropped. */
    private static final int DLQ_HEADER_ROOM = 64 << 10;
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * The loop's settings.
     *
     * @param batchSize          the most images per inference call ({@link #batchSize(Settings, long)})
     * @param maxBatchActivationBytes the largest MLP hidden tensor a batch may have
     * @param maxPollRecords     the most records a poll returns; polls are smaller when the model is slow (see
     *                           {@link #pollRecords})
     * @param coMomentsFirst     samples before a version's first co-moments publication (later ones at each doubling,
     *                           {@link CoMomentsAccumulator})
     * @param coMomentsMaxAge    the longest co-moments are gathered before they are published
     * @param tileSize           side of the published co-moment tiles
     * @param gramRows           a block's sampled rows per Gram ({@link CoMomentsAccumulator})
     * @param transactionTimeout the producer's {@code transaction.timeout.ms}: the coordinator aborts a transaction
     *                           open longer; a window lasts at most {@code flushInterval} plus one batch
     */
    public record Settings(String instanceId, String group, int batchSize, long maxBatchActivationBytes,
                           int maxPollRecords, int flushImages,
                           Duration flushInterval, ImageDecoder.Limits limits, ImageIntake.RecordLimits recordLimits,
                           int topK, long coMomentsFirst,
                           Duration coMomentsMaxAge, int tileSize, int gramRows, Duration transactionTimeout) {
        /** Room a window needs above {@code flushInterval}: its last batch, and the commit itself. */
        public static final Duration WINDOW_MARGIN = Duration.ofSeconds(30);

        public Settings {
            if (tileSize < 1 || tileSize > CoMomentsCodec.MAX_TILE) {
                throw new IllegalArgumentException("the co-moment tile size must be in [1, " + CoMomentsCodec.MAX_TILE
                        + "] (a tile must fit a 1 MB record), got " + tileSize);
            }
            if (transactionTimeout.compareTo(flushInterval.plus(WINDOW_MARGIN)) < 0) {
                throw new IllegalArgumentException("vbp.collector.transaction-timeout (" + transactionTimeout
                        + ") must be at least vbp.collector.flush.interval (" + flushInterval + ") plus "
                        + WINDOW_MARGIN.toSeconds() + " s for the window's last batch and its commit");
            }
        }
    }

    private final Settings settings;
    private final Map<String, Object> kafka;
    private final ModelRegistry registry;
    private final CollectorMetrics metrics;
    private final ImageIntake intake;
    private final Consumer<String> fenced;
    private final MomentsWindow window;
    private final CoMomentsAccumulator coMoments;
    /**
     * Set when a batch failed after adding some of its sampled rows and the accumulation was dropped: the rest of the open
     * window merges none, so the next publication never claims this window's images (whose samples are gone).
     */
    private boolean coMomentsSkipWindow;

    private volatile boolean running = true;
    private volatile long heartbeatNanos = System.nanoTime();
    private volatile boolean connected;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private int coMomentsPartitions;
    private final List<AutoCloseable> clientMetrics = new ArrayList<>();
    private ServingModel model;
    private float[] buffer = new float[0];

    /**
     * @param fenced told, once, when another collector with this one's instance id has taken over its transactional id:
     *               the loop has stopped for good, and the process should exit with the message
     */
    public CollectorLoop(Settings settings, Map<String, Object> kafka, ModelRegistry registry, CollectorMetrics metrics,
                         Consumer<String> fenced) {
        this.fenced = fenced;
        this.settings = settings;
        this.kafka = kafka;
        this.registry = registry;
        this.metrics = metrics;
        this.intake = new ImageIntake(settings.limits(), settings.recordLimits());
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
            } catch (StoppedMidBatch e) {
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
                coMomentsSkipWindow = false;
                closeClients();
            }
        }
        coMoments.close();
    }

    /** A batch failed because the loop is stopping (its session closed under it): never the images' fault. */
    private static final class StoppedMidBatch extends RuntimeException {
        StoppedMidBatch(RuntimeException cause) {
            super(cause);
        }
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
        int batchSize = batchSize(settings, model.activationBytesPerImage());
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
        long t0 = System.nanoTime();
        BatchResult result;
        RowsCounter sink = new RowsCounter();
        try {
            result = model.predictor().predict(new InstrumentedPredictor.Batch(buffer, batch.size(), seeds(batch, 0, batch.size()), sink));
        } catch (RuntimeException e) {
            if (!running) {
                throw new StoppedMidBatch(e); // the session was closed under a batch by a stop: not the images' fault
            }
            if (sink.added > 0) {
                // some blocks' rows were added before the failure; the retry would add them again
                dropCoMomentsForThisWindow();
            }
            inferOneByOne(batch, e);
            return;
        }
        long nanos = System.nanoTime() - t0;
        metrics.batch(batch.size(), nanos, model.modelId(), model.versionName());
        window.add(result.moments(), batch.size());
        countCoMoments(sink.added > 0);
        int classes = result.output().length / batch.size();
        for (int i = 0; i < batch.size(); i++) {
            publishPrediction(batch.get(i), result.output(), i * classes, classes, nanos / 1e6, batch.size());
        }
    }

    /** A batch that failed as a whole: each image alone, so one poisonous input costs only itself. */
    private void inferOneByOne(List<ConsumerRecord<String, byte[]>> batch, RuntimeException cause) {
        LOG.warnf("batch of %d failed (%s); retrying image by image", batch.size(), cause.getMessage());
        int size = model.preprocessor().size();
        float[] one = new float[size];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(buffer, i * size, one, 0, size);
            long t0 = System.nanoTime();
            RowsCounter sink = new RowsCounter();
            try {
                BatchResult r = model.predictor().predict(new InstrumentedPredictor.Batch(one, 1, seeds(batch, i, 1), sink));
                long nanos = System.nanoTime() - t0;
                metrics.batch(1, nanos, model.modelId(), model.versionName());
                window.add(r.moments(), 1);
                publishPrediction(batch.get(i), r.output(), 0, r.output().length, nanos / 1e6, 1);
            } catch (RuntimeException e) {
                if (!running) {
                    throw new StoppedMidBatch(e);
                }
                if (sink.added > 0) {
                    dropCoMomentsForThisWindow();
                }
                deadLetter(batch.get(i), new ImageIntake.Refusal(CollectorMetrics.INFERENCE_FAILED, String.valueOf(e.getMessage())));
            }
        }
    }

    /**
     * The token seeds of {@code count} images of the batch from {@code from} (each from its partition and offset, so
     * an image read again draws the same tokens), or null when the model computes no co-moments.
     */
    private long[] seeds(List<ConsumerRecord<String, byte[]>> batch, int from, int count) {
        if (!model.predictor().coMoments()) {
            return null;
        }
        long[] seeds = new long[count];
        for (int i = 0; i < count; i++) {
            ConsumerRecord<String, byte[]> rec = batch.get(from + i);
            seeds[i] = TokenSampler.imageSeed(0, rec.partition(), rec.offset());
        }
        return seeds;
    }

    /**
     * Adds a batch's sampled rows to the accumulation, counting the blocks (a failed batch that added some must drop
     * it).
     */
    private final class RowsCounter implements InstrumentedPredictor.RowsSink {
        int added;

        @Override
        public void accept(String block, int width, float[] rows, int count) {
            if (coMomentsSkipWindow) {
                return;
            }
            added++;
            coMoments.addRows(block, width, rows, count, System.nanoTime());
        }
    }

    /**
     * A batch failed after adding some blocks' rows: the accumulation goes (its samples cannot be told apart), and the rest
     * of the window merges none, so no publication claims images whose samples were dropped.
     */
    private void dropCoMomentsForThisWindow() {
        dropCoMoments(CollectorMetrics.DROPPED_FAILED_BATCH);
        coMomentsSkipWindow = true;
    }

    /** Forgets the co-moments gathered since the last publication, counting the samples under {@code reason}. */
    private void dropCoMoments(String reason) {
        long dropped = coMoments.drop();
        if (dropped > 0) {
            metrics.coMomentsDropped(reason, dropped);
            LOG.infof("dropped %d co-moment samples gathered since the last publication (%s)", dropped, reason);
        }
    }

    private void countCoMoments(boolean sampled) {
        if (sampled) {
            metrics.coMomentsBatch();
        }
    }

    private void publishPrediction(ConsumerRecord<String, byte[]> rec, float[] logits, int offset, int classes,
                                   double inferenceMs, int batchSize) {
        Prediction p = new Prediction(Prediction.SCHEMA, rec.key(), model.modelId(), model.versionName(),
                TopK.of(logits, offset, classes, settings.topK(), model::label),
                VbpHeaders.get(rec.headers(), VbpHeaders.LABEL), inferenceMs, batchSize,
                Math.max(0, System.currentTimeMillis() - rec.timestamp()),
                new Prediction.Source(rec.topic(), rec.partition(), rec.offset()));
        producer.send(new ProducerRecord<>(Topic.PREDICTIONS.topicName(), rec.key(), Messages.write(p)));
    }

    /**
     * The refused record to {@code images.dlq}, made to fit whatever it carried: a key over the limit cut to 256
     * characters, headers over the limit left out, the detail cut to 1024 characters, and a payload that would not fit
     * beside them left out (it stays in {@code images} until retention).
     */
    private void deadLetter(ConsumerRecord<String, byte[]> rec, ImageIntake.Refusal refusal) {
        ImageIntake.RecordLimits limits = intake.recordLimits();
        Headers headers = ImageIntake.headerBytes(rec.headers()) > limits.maxHeaderBytes() ? new RecordHeaders()
                : new RecordHeaders(rec.headers().toArray());
        String key = rec.serializedKeySize() > limits.maxKeyBytes() ? rec.key().substring(0, 256) : rec.key();
        String detail = refusal.detail().length() > 1024 ? refusal.detail().substring(0, 1024) + "..." : refusal.detail();
        VbpHeaders.put(headers, VbpHeaders.DLQ_REASON, refusal.reason());
        VbpHeaders.put(headers, VbpHeaders.DLQ_DETAIL, detail);
        VbpHeaders.put(headers, VbpHeaders.DLQ_TOPIC, rec.topic());
        VbpHeaders.put(headers, VbpHeaders.DLQ_PARTITION, Integer.toString(rec.partition()));
        VbpHeaders.put(headers, VbpHeaders.DLQ_OFFSET, Long.toString(rec.offset()));
        byte[] value = rec.value();
        if (value != null && value.length > Topic.IMAGES_DLQ.maxMessageBytes() - DLQ_HEADER_ROOM) {
            value = null; // the reason and coordinates are kept; the payload stays in the images topic until retention
        }
        producer.send(new ProducerRecord<>(Topic.IMAGES_DLQ.topicName(), null, key, value, headers));
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
                String offsets = Messages.writeString(window.offsetRanges());
                for (Map.Entry<String, Moments> e : window.blocks().entrySet()) {
                    MomentsKey key = new MomentsKey(model.modelId(), model.versionName(), e.getKey());
                    Headers headers = new RecordHeaders();
                    VbpHeaders.put(headers, VbpHeaders.IMAGES, Long.toString(window.images()));
                    VbpHeaders.put(headers, VbpHeaders.OFFSETS, offsets);
                    VbpHeaders.put(headers, VbpHeaders.COLLECTOR, settings.instanceId());
                    VbpHeaders.put(headers, VbpHeaders.MODEL_SHA256, model.version().sha256());
                    producer.send(new ProducerRecord<>(Topic.ACTIVATION_MOMENTS.topicName(), null, key.toString(),
                            MomentsCodec.encode(e.getValue()), headers));
                    deltas++;
                }
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
            coMomentsSkipWindow = false;
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
                    batchSize(settings, model.activationBytesPerImage()));
        }
    }

    /**
     * The accumulated co-moment matrices as tiles, each to its block's partition (so one aggregator task merges all of
     * a block's tiles in order), with headers as the moments deltas have them: the images and offsets covered (those of
     * every window since the last publication). Returns the samples published.
     */
    private long publishCoMoments() {
        int tiles = 0;
        long samples = coMoments.samples();
        String offsets = Messages.writeString(coMoments.offsetRanges());
        for (Map.Entry<String, CoMoments> e : coMoments.blocks().entrySet()) {
            MomentsKey block = new MomentsKey(model.modelId(), model.versionName(), e.getKey());
            for (CoMomentsTile tile : e.getValue().tiles(settings.tileSize())) {
                CoMomentsKey key = new CoMomentsKey(block, tile.row(), tile.column());
                Headers headers = new RecordHeaders();
                VbpHeaders.put(headers, VbpHeaders.IMAGES, Long.toString(coMoments.images()));
                VbpHeaders.put(headers, VbpHeaders.OFFSETS, offsets);
                VbpHeaders.put(headers, VbpHeaders.COLLECTOR, settings.instanceId());
                VbpHeaders.put(headers, VbpHeaders.MODEL_SHA256, model.version().sha256());
                producer.send(new ProducerRecord<>(Topic.ACTIVATION_COMOMENTS.topicName(),
                        key.partition(coMomentsPartitions), key.toString(), CoMomentsCodec.encode(tile), headers));
                tiles++;
            }
        }
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
            coMomentsSkipWindow = false;
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
        Map<String, Object> p = KafkaClientSettings.producer(kafka);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topic.IMAGES_DLQ.maxMessageBytes());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-producer");
        // bounded blocking while the broker is away, so the loop keeps iterating (and liveness stays up)
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) settings.transactionTimeout().toMillis());
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        clientMetrics.add(metrics.bindKafkaClient(producer));
        producer.initTransactions();
        if (model.predictor().coMoments()) {
            coMomentsPartitions = coMomentsPartitions();
        }

        Map<String, Object> c = KafkaClientSettings.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int pollRecords = pollRecords(settings, batchSize(settings, model.activationBytesPerImage()), model.imageNanos());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, pollRecords);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-consumer");
        // static membership: a restarted instance takes its partitions back at once instead of waiting out the
        // session timeout of its dead predecessor (and a rolling restart causes no rebalance)
        c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId());
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        clientMetrics.add(metrics.bindKafkaClient(consumer));
        consumer.subscribe(List.of(Topic.IMAGES.topicName()), new Rebalance());
        connected = true;
        LOG.infof("consuming %s as %s (transactional id %s, polls of up to %d records), serving %s",
                Topic.IMAGES.topicName(), settings.group(), transactionalId(), pollRecords, model);
    }

    /**
     * Images per inference call for a model whose largest hidden tensor takes {@code activationBytesPerImage} per
     * image: the configured size, or fewer so that a batch's stays within {@code maxBatchActivationBytes} (ONNX
     * Runtime's arena keeps the largest batch's intermediates), never fewer than one.
     */
    static int batchSize(Settings settings, long activationBytesPerImage) {
        if (activationBytesPerImage <= 0) {
            return settings.batchSize();
        }
        long fit = Math.max(1, settings.maxBatchActivationBytes() / activationBytesPerImage);
        return (int) Math.min(settings.batchSize(), fit);
    }

    /**
     * Records per poll for a model that takes {@code imageNanos} per image: about one flush interval's worth, in whole
     * batches, between one batch and {@code maxPollRecords}. A poll of a slow model then stays well inside
     * {@code max.poll.interval.ms}, and a backlog does not put hundreds of images in reach of one window.
     */
    static int pollRecords(Settings settings, int batch, long imageNanos) {
        if (imageNanos <= 0) {
            return Math.max(batch, settings.maxPollRecords());
        }
        long perInterval = settings.flushInterval().toNanos() / imageNanos;
        long batches = Math.max(1, (perInterval + batch - 1) / batch);
        long records = Math.min(batches * batch, Math.max(batch, settings.maxPollRecords()));
        return (int) records;
    }

    private int coMomentsPartitions() {
        try {
            return producer.partitionsFor(Topic.ACTIVATION_COMOMENTS.topicName()).size();
        } catch (KafkaException e) {
            throw new IllegalStateException("cannot publish co-moments: topic " + Topic.ACTIVATION_COMOMENTS.topicName()
                    + " is not there (" + e.getMessage() + "); create it (deploy/local/broker.sh start and the KafkaTopic "
                    + "resources do) or turn co-moments off with vbp.collector.covariance.enabled=false", e);
        }
    }

    private void closeClients() {
        connected = false;
        for (AutoCloseable m : clientMetrics) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.debugf(e, "unbinding client metrics");
            }
        }
        clientMetrics.clear();
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
            consumer = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    private String transactionalId() {
        return "activation-collector-" + settings.instanceId();
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
                coMomentsSkipWindow = false;
                rewindToCommitted();
            }
        }
    }
}
