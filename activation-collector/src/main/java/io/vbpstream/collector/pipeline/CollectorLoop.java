package io.vbpstream.collector.pipeline;

import io.vbpstream.collector.model.ModelRegistry;
import io.vbpstream.collector.model.ServingModel;
import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.platform.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
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
    private final WindowRecords windowRecords;
    private final PollBatches batches;
    private final Consumer<String> fenced;
    private final MomentsWindow window;
    private final CoMomentsAccumulator coMoments;

    private volatile boolean running = true;
    private volatile long heartbeatNanos = System.nanoTime();
    private volatile boolean connected;
    private final WindowTransactions transactions;
    private KafkaConsumer<String, byte[]> consumer;
    private CollectorClients clients;
    private ServingModel model;
    /** Whether the open window's batches sample tokens for co-moments: decided between windows, never inside one. */
    private boolean sampling = true;

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
        this.windowRecords = new WindowRecords(settings.instanceId(), settings.topK(), settings.recordLimits());
        this.window = new MomentsWindow(settings.flushImages(), settings.flushInterval().toNanos());
        this.coMoments = new CoMomentsAccumulator(settings.coMomentsFirst(), settings.coMomentsMaxAge().toNanos(),
                settings.gramRows());
        this.transactions = new WindowTransactions(settings, metrics, windowRecords, window, coMoments);
        this.batches = new PollBatches(settings, new BatchInference(metrics, () -> running, () -> sampling),
                new WindowOutcomes(transactions, windowRecords, window, coMoments, metrics, () -> model), window,
                transactions);
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
                transactions.finish(model);
            } catch (ProducerFencedException | InvalidProducerEpochException | FencedInstanceIdException e) {
                // a newer producer epoch (ProducerFencedException, or, with transactions v2, "attempted to produce
                // with an old epoch") is either the coordinator's abort of a transaction that outlived its timeout or
                // another process that initialised our transactional id
                String why = takenOver(e);
                if (why != null) {
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
                transactions.abortStopped();
            } catch (OutOfOrderSequenceException | AuthorizationException e) {
                LOG.errorf("transactional producer %s cannot continue (%s); reopening the clients",
                        transactionalId(), e.getMessage());
                pause(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.errorf(e, "collector loop failed; reopening the clients");
                pause(Duration.ofSeconds(2));
            } finally {
                window.clear();
                transactions.dropCoMoments(CollectorMetrics.DROPPED_RESTART);
                coMoments.windowClosed();
                closeClients();
            }
        }
        coMoments.close();
    }

    /**
     * Why the loop must stop for good after {@code fencing}, or null when it was our own transaction timing out (the
     * window open longer than the transaction timeout) and reopening the clients is right. Otherwise a newer consumer
     * (static member) or producer with our instance id exists: reopening would fence it in turn, and the two would
     * take turns for ever.
     */
    private String takenOver(KafkaException fencing) {
        if (!(fencing instanceof FencedInstanceIdException) && window.isOpen()
                && window.ageNanos(System.nanoTime()) >= settings.transactionTimeout().toNanos()) {
            return null;
        }
        return String.format("another collector with vbp.collector.instance-id=%s (its consumer's group.instance.id,"
                + " and transactional id %s) started and fenced this one (%s): every collector needs an instance id of"
                + " its own (on Kubernetes the pod name, HOSTNAME; set vbp.collector.instance-id or HOSTNAME). This"
                + " collector stops; the newer one goes on", settings.instanceId(), transactionalId(),
                fencing.getClass().getSimpleName());
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
                transactions.dropCoMoments(CollectorMetrics.DROPPED_SUPERSEDED);
                coMoments.reset();
            }
            model = registry.current();
        }
        if (!window.isOpen()) {
            decideSampling();
        }
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
            try {
                if (!batches.process(records, model, this::betweenBatches)) {
                    return;
                }
            } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException e) {
                transactions.logIfTimedOut(e, model);
                throw e;
            } catch (KafkaException e) {
                LOG.warnf("send failed (%s); aborting the transaction", e.getMessage());
                transactions.logIfTimedOut(e, model);
                transactions.abort();
                return;
            }
        }
        long now = System.nanoTime();
        if (window.isDue(now) || (window.isOpen() && registry.hasPending())) {
            transactions.commit(model);
        } else if (!window.isOpen() && coMoments.isDue(now)) {
            // no traffic since the co-moments became due (by age): they go out in a transaction of their own
            transactions.commitCoMomentsAlone(model);
        }
    }

    /** After a batch: heartbeat, and the window committed if it is due; false to stop processing the poll. */
    private boolean betweenBatches() {
        long now = System.nanoTime();
        heartbeatNanos = now;
        if (window.isDue(now) && !transactions.commit(model)) {
            return false;
        }
        if (!window.isOpen()) {
            decideSampling();
        }
        return running;
    }

    /**
     * Between windows: whether the next one samples tokens ({@link ModelRegistry#coMomentsUnwantedBecause}). When the
     * pruner no longer wants the served version's co-moments, what was gathered since the last publication goes.
     */
    private void decideSampling() {
        String unwanted = model.predictor().coMoments() ? registry.coMomentsUnwantedBecause(model) : "off";
        boolean wanted = unwanted == null;
        if (wanted != sampling && model.predictor().coMoments()) {
            LOG.infof("%s co-moments of %s%s", wanted ? "gathering" : "no longer gathering", model,
                    wanted ? "" : ": " + unwanted);
        }
        if (!wanted && coMoments.samples() > 0) {
            transactions.dropCoMoments(CollectorMetrics.DROPPED_UNWANTED);
        }
        sampling = wanted;
    }

    private void openClients() {
        int pollRecords = settings.recordsPerPoll(settings.imagesPerBatch(model.activationBytesPerImage()), model.imageNanos());
        clients = CollectorClients.open(settings, kafka, metrics, pollRecords, model.predictor().coMoments(),
                transactions.rebalanceListener(() -> model));
        transactions.attach(clients);
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
        transactions.attach(null);
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
}
