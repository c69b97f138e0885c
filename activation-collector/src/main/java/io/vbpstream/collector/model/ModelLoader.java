package io.vbpstream.collector.model;

import io.vbpstream.core.cost.HeapBudget;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.onnx.Instrumenter;
import io.vbpstream.core.onnx.InvalidModelException;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.runtime.InstrumentedSession.BatchResult;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.ModelStore;
import io.vbpstream.core.store.ModelStoreException;
import io.vbpstream.platform.message.ModelVersion;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a {@link ModelVersion} into a {@link ServingModel}: fetch from the store, check the sha256 of the very bytes
 * that are parsed, find the MLP blocks, load the instrumented graph and run one image through it. Anything that fails
 * is a {@link ModelRefusedException} with a reason; nothing half-loaded is left open.
 */
public final class ModelLoader {

    private final ModelStore store;
    private final ModelCard card;
    private final int threads;
    private final boolean coMoments;
    private final int tokensPerImage;
    private final int gramRows;
    private final long maxHeapBytes;

    /**
     * @param tokensPerImage above 0: build the graph that also returns each batch's co-moments over that many
     *                       tokens of each image; 0: moments only
     */
    public ModelLoader(ModelStore store, ModelCard card, int threads, int tokensPerImage) {
        this(store, card, threads, tokensPerImage, HeapBudget.GRAM_ROWS, Runtime.getRuntime().maxMemory());
    }

    /** @param gramRows the sampled rows buffered per block ({@code vbp.collector.covariance.gram-rows}), for the heap check */
    public ModelLoader(ModelStore store, ModelCard card, int threads, int tokensPerImage, int gramRows) {
        this(store, card, threads, tokensPerImage, gramRows, Runtime.getRuntime().maxMemory());
    }

    /** As {@link #ModelLoader(ModelStore, ModelCard, int, int, int)}, checking models against {@code maxHeapBytes}. */
    ModelLoader(ModelStore store, ModelCard card, int threads, int tokensPerImage, int gramRows, long maxHeapBytes) {
        if (tokensPerImage < 0) {
            throw new IllegalArgumentException("tokens per image must be 0 (co-moments off) or positive, got " + tokensPerImage);
        }
        this.store = store;
        this.card = card;
        this.threads = threads;
        this.coMoments = tokensPerImage > 0;
        this.tokensPerImage = tokensPerImage;
        this.gramRows = gramRows;
        this.maxHeapBytes = maxHeapBytes;
    }

    public ServingModel load(ModelVersion version) {
        Path file = fetch(version);
        // the parsed model is garbage once instrument returns: only the instrumented file and the names remain
        try (InstrumentedPredictor.Instrumented graph = instrument(version, file)) {
            // give the heap the parse grew back before ONNX Runtime builds its session (itself about twice the
            // weights at its peak): a full collection lets G1 uncommit it, so the two peaks do not add up in RSS
            System.gc();
            return open(version, graph);
        }
    }

    /** Parse, check the sha256 of the parsed bytes, find the blocks, and write the instrumented graph. */
    private InstrumentedPredictor.Instrumented instrument(ModelVersion version, Path file) {
        long fileBytes = fileSize(file);
        // before parsing (a too small heap would die of it): the part of the budget that needs only the file's size
        requireHeap(version, HeapBudget.of(fileBytes, List.of(), 0, 0, false).collectorBytes(), false);
        OnnxModels.LoadedModel loaded;
        try {
            loaded = OnnxModels.read(file);
        } catch (IOException e) {
            throw new ModelRefusedException(ModelRefusedException.Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelRefusedException(ModelRefusedException.Reason.UNUSABLE, "not an ONNX model: " + e.getMessage(), e);
        }
        if (!loaded.sha256().equals(version.sha256())) {
            // the file changed between the store's check and this read
            throw new ModelRefusedException(ModelRefusedException.Reason.HASH_MISMATCH,
                    file + " hashes to " + loaded.sha256() + ", expected " + version.sha256(), null);
        }
        try {
            List<MlpBlock> blocks = MlpBlockFinder.find(loaded.model());
            if (blocks.isEmpty()) {
                throw new InvalidModelException("no MLP blocks found: nothing to collect statistics for");
            }
            requireHeap(version, HeapBudget.of(fileBytes, blocks.stream().map(MlpBlock::width).toList(), 0, 0, coMoments,
                    gramRows).collectorBytes(), true);
            return InstrumentedPredictor.instrument(loaded.model(), blocks, tokensPerImage);
        } catch (InvalidModelException | IllegalStateException e) {
            throw new ModelRefusedException(ModelRefusedException.Reason.UNUSABLE, e.getMessage(), e);
        }
    }

    /** Refuses the model when this JVM's maximum heap is below {@code needed}, saying what to give it. */
    private void requireHeap(ModelVersion version, long needed, boolean withBlocks) {
        String what = version.key() + (withBlocks ? (coMoments ? " with co-moments" : "") : " (to parse it)");
        HeapBudget.shortfall("collector", what, needed, maxHeapBytes).ifPresent(message -> {
            throw new ModelRefusedException(ModelRefusedException.Reason.HEAP_TOO_SMALL, message, null);
        });
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new ModelRefusedException(ModelRefusedException.Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private Path fetch(ModelVersion version) {
        try {
            return store.fetch(new ArtifactRef(URI.create(version.uri()), version.sha256(), -1));
        } catch (IllegalArgumentException e) {
            throw new ModelRefusedException(ModelRefusedException.Reason.INVALID_URI, "bad address " + version.uri(), e);
        } catch (ModelStoreException e) {
            ModelRefusedException.Reason reason = switch (e.reason()) {
                case MISSING -> ModelRefusedException.Reason.MISSING;
                case HASH_MISMATCH -> ModelRefusedException.Reason.HASH_MISMATCH;
                case INVALID_URI -> ModelRefusedException.Reason.INVALID_URI;
                case IO -> ModelRefusedException.Reason.IO;
            };
            throw new ModelRefusedException(reason, e.getMessage(), e);
        }
    }

    private ServingModel open(ModelVersion version, InstrumentedPredictor.Instrumented graph) {
        InstrumentedPredictor predictor = null;
        try {
            ModelCard.Input in = card.input();
            long[] imageShape = {in.channels(), in.height(), in.width()};
            predictor = new InstrumentedPredictor(version.model() + "-" + version.version(), graph, imageShape, threads);
            Probe probe = smokeTest(predictor, imageShape, graph.outputs());
            // names only: the blocks' weights are ONNX Runtime's now, and a DeiT-Base model's fc1/fc2 are 226 MB
            return new ServingModel(version, predictor,
                    graph.outputs().stream().map(Instrumenter.BlockOutputs::block).toList(), card, probe.imageNanos(),
                    probe.activationBytesPerImage());
        } catch (InvalidModelException | IllegalStateException e) {
            if (predictor != null) {
                predictor.close();
            }
            throw new ModelRefusedException(ModelRefusedException.Reason.UNUSABLE, e.getMessage(), e);
        }
    }

    /** What the blank image told: the time one image takes, and the largest hidden tensor's bytes per image. */
    private record Probe(long imageNanos, long activationBytesPerImage) {
    }

    /**
     * One blank image through the graph (with the co-moments, when they are on): the input shape fits and the logits
     * are as wide as the card's labels; each block's moments count its tokens. Then one more, timed: the time per
     * image sizes the loop's polls, the largest hidden tensor its batches.
     */
    private Probe smokeTest(InstrumentedPredictor predictor, long[] imageShape, List<Instrumenter.BlockOutputs> blocks) {
        int size = (int) (imageShape[0] * imageShape[1] * imageShape[2]);
        long[] seeds = coMoments ? new long[] {0} : null;
        java.util.Set<String> sampled = new java.util.HashSet<>();
        BatchResult r = predictor.predict(new InstrumentedPredictor.Batch(new float[size], 1, seeds,
                (block, width, rows, count) -> {
                    if (count > 0 && rows.length == (long) count * width) {
                        sampled.add(block);
                    }
                }));
        if (coMoments && sampled.size() != r.moments().size()) {
            throw new InvalidModelException("the instrumented graph returned the sampled rows of " + sampled.size()
                    + " of its " + r.moments().size() + " blocks");
        }
        int classes = r.output().length;
        if (card.labels() != null && !card.labels().isEmpty() && classes != card.labels().size()) {
            throw new InvalidModelException("the model has " + classes + " outputs but the card lists "
                    + card.labels().size() + " labels");
        }
        long activation = 0;
        for (Instrumenter.BlockOutputs o : blocks) {
            activation = Math.max(activation, r.moments().get(o.block()).count() * o.width() * Float.BYTES);
        }
        long t0 = System.nanoTime();
        predictor.predict(new InstrumentedPredictor.Batch(new float[size], 1, seeds, null));
        return new Probe(System.nanoTime() - t0, activation);
    }
}
