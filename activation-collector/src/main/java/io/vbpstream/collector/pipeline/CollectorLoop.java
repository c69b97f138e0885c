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
import io.vbpstream.platform.CoMomentsKey;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

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
     * @param maxPollRecords     the most records a poll returns; polls are smaller when the model is slow (see
     *                           {@link #pollRecords})
     * @param coMomentsRate      fraction of windows that compute and publish co-moments (0: none)
     * @param tileSize           side of the published co-moment tiles
     * @param transactionTimeout the producer's {@code transaction.timeout.ms}: the coordinator aborts a transaction
     *                           open longer; a window lasts at most {@code flushInterval} plus one batch
     */
    public record Settings(String instanceId, String group, int batchSize, int maxPollRecords, int flushImages,
                           Duration flushInterval, ImageDecoder.Limits limits, int topK, double coMomentsRate,
                           int tileSize, Duration transactionTimeout) {
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
    private final MomentsWindow window;

    private volatile boolean running = true;
    private volatile long heartbeatNanos = System.nanoTime();
    private volatile boolean connected;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private int coMomentsPartitions;
    private final List<AutoCloseable> clientMetrics = new ArrayList<>();
    private ServingModel model;
    private float[] buffer = new float[0];

    public CollectorLoop(Settings settings, Map<String, Object> kafka, ModelRegistry registry, CollectorMetrics metrics) {
        this.settings = settings;
        this.kafka = kafka;
        this.registry = registry;
        this.metrics = metrics;
        this.intake = new ImageIntake(settings.limits());
        this.window = new MomentsWindow(settings.flushImages(), settings.flushInterval().toNanos(),
                new WindowSampler(settings.coMomentsRate()));
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
                if (window.isOpen()) {
                    commit();
                }
            } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                     | AuthorizationException e) {
                LOG.errorf("transactional producer %s cannot continue (%s); reopening the clients",
                        transactionalId(), e.getMessage());
                pause(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.errorf(e, "collector loop failed; reopening the clients");
                pause(Duration.ofSeconds(2));
            } finally {
                window.clear();
                closeClients();
            }
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
        if (buffer.length != settings.batchSize() * size) {
            buffer = new float[settings.batchSize() * size];
        }
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(settings.batchSize());
        for (ConsumerRecord<String, byte[]> rec : records) {
            if (!window.isOpen()) {
                producer.beginTransaction();
            }
            window.consumed(new TopicPartition(rec.topic(), rec.partition()), rec.offset(), System.nanoTime());
            ImageIntake.Refusal refusal = intake.accept(rec.value(),
                    VbpHeaders.get(rec.headers(), VbpHeaders.CONTENT_TYPE), model.preprocessor(), buffer, batch.size() * size);
            if (refusal != null) {
                deadLetter(rec, refusal);
                continue;
            }
            batch.add(rec);
            if (batch.size() == settings.batchSize()) {
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
        boolean sampled = sampling();
        try {
            result = model.predictor().predict(new InstrumentedPredictor.Batch(buffer, batch.size(), sampled, window::mergeGram));
        } catch (RuntimeException e) {
            if (sampled) {
                // some blocks' Grams may have been merged before the failure; the retry would merge them again
                window.dropCoMoments();
            }
            inferOneByOne(batch, e);
            return;
        }
        long nanos = System.nanoTime() - t0;
        metrics.batch(batch.size(), nanos, model.modelId(), model.versionName());
        window.add(result.moments(), batch.size());
        countCoMoments(sampled);
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
            try {
                // unsampled: a failure after some blocks' Grams were merged could not be taken back
                BatchResult r = model.predictor().predict(new InstrumentedPredictor.Batch(one, 1, false));
                long nanos = System.nanoTime() - t0;
                metrics.batch(1, nanos, model.modelId(), model.versionName());
                window.add(r.moments(), 1);
                publishPrediction(batch.get(i), r.output(), 0, r.output().length, nanos / 1e6, 1);
            } catch (RuntimeException e) {
                deadLetter(batch.get(i), new ImageIntake.Refusal(CollectorMetrics.INFERENCE_FAILED, String.valueOf(e.getMessage())));
            }
        }
    }

    private boolean sampling() {
        return window.samplingCoMoments() && model.predictor().coMoments();
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

    private void deadLetter(ConsumerRecord<String, byte[]> rec, ImageIntake.Refusal refusal) {
        Headers headers = new RecordHeaders(rec.headers().toArray());
        VbpHeaders.put(headers, VbpHeaders.DLQ_REASON, refusal.reason());
        VbpHeaders.put(headers, VbpHeaders.DLQ_DETAIL, refusal.detail());
        VbpHeaders.put(headers, VbpHeaders.DLQ_TOPIC, rec.topic());
        VbpHeaders.put(headers, VbpHeaders.DLQ_PARTITION, Integer.toString(rec.partition()));
        VbpHeaders.put(headers, VbpHeaders.DLQ_OFFSET, Long.toString(rec.offset()));
        byte[] value = rec.value();
        if (value != null && value.length > Topic.IMAGES_DLQ.maxMessageBytes() - DLQ_HEADER_ROOM) {
            value = null; // the reason and coordinates are kept; the payload stays in the images topic until retention
        }
        producer.send(new ProducerRecord<>(Topic.IMAGES_DLQ.topicName(), null, rec.key(), value, headers));
        metrics.deadLetter(refusal.reason());
        LOG.debugf("dead-lettered %s-%d@%d: %s %s", rec.topic(), rec.partition(), rec.offset(), refusal.reason(), refusal.detail());
    }

    /**
     * Publishes the window's deltas and commits them with the offsets, in the open transaction. Returns false if the
     * commit failed and the window was aborted (the consumer rewound to the committed offsets).
     */
    private boolean commit() {
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
                publishCoMoments(offsets);
            }
            producer.sendOffsetsToTransaction(window.commitOffsets(), consumer.groupMetadata());
            producer.commitTransaction();
            metrics.transaction("committed");
            metrics.momentsDeltas(deltas, model.modelId(), model.versionName());
            window.clear();
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
                    settings.transactionTimeout().toSeconds(), settings.flushInterval(), settings.batchSize());
        }
    }

    /**
     * The window's co-moment matrices as tiles, each to its block's partition (so one aggregator task merges all of a
     * block's tiles in order), with the headers of the moments deltas.
     */
    private void publishCoMoments(String offsets) {
        int tiles = 0;
        for (Map.Entry<String, CoMoments> e : window.coMoments().entrySet()) {
            MomentsKey block = new MomentsKey(model.modelId(), model.versionName(), e.getKey());
            for (CoMomentsTile tile : e.getValue().tiles(settings.tileSize())) {
                CoMomentsKey key = new CoMomentsKey(block, tile.row(), tile.column());
                Headers headers = new RecordHeaders();
                VbpHeaders.put(headers, VbpHeaders.IMAGES, Long.toString(window.images()));
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
        Map<String, Object> p = new HashMap<>(kafka);
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
        if (settings.coMomentsRate() > 0) {
            coMomentsPartitions = coMomentsPartitions();
        }

        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        int pollRecords = pollRecords(settings, model.imageNanos());
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
     * Records per poll for a model that takes {@code imageNanos} per image: about one flush interval's worth, in whole
     * batches, between one batch and {@code maxPollRecords}. A poll of a slow model then stays well inside
     * {@code max.poll.interval.ms}, and a backlog does not put hundreds of images in reach of one window.
     */
    static int pollRecords(Settings settings, long imageNanos) {
        int batch = settings.batchSize();
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
                rewindToCommitted();
            }
        }
    }
}
