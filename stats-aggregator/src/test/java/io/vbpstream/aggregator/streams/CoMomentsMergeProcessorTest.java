package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The co-moments processor on its own ({@link MockProcessorContext}): what it keeps in memory beside its stores must
 * follow the stores when Kafka Streams wipes and restores a task and calls {@code init()} again (issue 15, scenario 5).
 */
class CoMomentsMergeProcessorTest {

    private static final String BLOCK = "fmnist-vit/base/mlp0";
    private static final int WIDTH = 200;
    private static final int TILE = 128; // 2 x 2 tiles: 3 in the upper triangle

    private static MockProcessorContext<String, byte[]> contextWithEmptyStores() {
        MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
        KeyValueStore<String, RunningTile> running = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CoMomentsMergeProcessor.STORE), Serdes.String(), RunningTile.serde())
                .withLoggingDisabled().build();
        KeyValueStore<String, byte[]> staging = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CoMomentsMergeProcessor.STAGING_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        KeyValueStore<String, byte[]> summaries = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CoMomentsMergeProcessor.SUMMARY_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        KeyValueStore<String, byte[]> versions = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(RetiredVersions.STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        for (KeyValueStore<String, ?> s : List.of(running, staging, summaries, versions)) {
            s.init(context.getStateStoreContext(), s);
            context.addStateStore(s);
        }
        return context;
    }

    private static void send(CoMomentsMergeProcessor p, List<CoMomentsTile> tiles) {
        for (CoMomentsTile t : tiles) {
            p.process(new Record<>(BLOCK + "/" + t.row() + "." + t.column(), CoMomentsCodec.encode(t), 1000L));
        }
    }

    private static List<CoMomentsTile> delta(Random rnd, int rows) {
        float[] data = new float[rows * WIDTH];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.exp(rnd.nextGaussian());
        }
        return CoMoments.empty(WIDTH).addBatch(data, rows).tiles(TILE);
    }

    private static void punctuateAll(MockProcessorContext<String, byte[]> context, long now) {
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(now));
    }

    @Test
    void aTaskRevivedOnEmptyStoresForgetsWhatItHeldAndGoesOn() {
        Random rnd = new Random(15);
        CoMomentsMergeProcessor processor = new CoMomentsMergeProcessor(Duration.ofSeconds(1),
                AggregatorTopology.Retention.DEFAULT, MergeListener.NONE);
        MockProcessorContext<String, byte[]> first = contextWithEmptyStores();
        processor.init(first);
        send(processor, delta(rnd, 30));
        send(processor, delta(rnd, 12).subList(0, 2)); // a delta staged in part
        punctuateAll(first, 2000L);
        assertEquals(3, first.forwarded().size(), "the block emitted once");

        // Kafka Streams wiped the task's stores (corrupted) and restored them empty, then called init() again
        MockProcessorContext<String, byte[]> revived = contextWithEmptyStores();
        processor.init(revived);
        assertDoesNotThrow(() -> punctuateAll(revived, 4000L));
        assertEquals(0, revived.forwarded().size(), "nothing held: nothing emitted");

        send(processor, delta(rnd, 20));
        punctuateAll(revived, 6000L);
        List<MockProcessorContext.CapturedForward<? extends String, ? extends byte[]>> out = revived.forwarded();
        assertEquals(3, out.size());
        out.forEach(f -> assertEquals(20, CoMomentsCodec.decode(f.record().value()).count(),
                "only what the revived stores hold"));
    }
}
