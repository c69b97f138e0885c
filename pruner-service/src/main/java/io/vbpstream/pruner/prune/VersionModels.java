package io.vbpstream.pruner.prune;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.HeapBudget;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.linalg.DenseKernels;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.store.ArtifactRef;
import io.vbpstream.core.store.DirectoryModelStore;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.PrunerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads versions from the model store (sha256 verified), keeping the last one in memory: the promoted version the
 * checks, the prunes and the status page all ask for. Another version (one the REST API asked about) is parsed again
 * when asked; a DeiT-Base model is 346 MB, so a second cached one would cost that much heap for a rare request.
 */
@ApplicationScoped
public class VersionModels {

    private static final int CACHED = 1;

    private final DirectoryModelStore store;
    private final Map<String, VersionModel> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, VersionModel> e) {
            return size() > CACHED;
        }
    };

    private final PrunerConfig config;

    @Inject
    public VersionModels(PrunerConfig config) {
        this.config = config;
        this.store = new DirectoryModelStore(Path.of(config.store().directory()));
    }

    /**
     * Refuses a version this JVM's heap is too small to prune and validate ({@link HeapBudget}): every check then
     * fails with the heap it needs (readiness data and the log), rather than an {@code OutOfMemoryError} mid-prune.
     */
    private void requireHeap(ModelVersion v, long fileBytes, List<MlpBlock> blocks) throws IOException {
        ModelCard.Input in = ModelCard.read(Path.of(config.model().card())).input();
        List<Integer> widths = blocks.stream().map(MlpBlock::width).toList();
        long inputFloats = (long) in.channels() * in.height() * in.width();
        long needed = (RecompressionSchedule.criterion(config.policy()) == Criterion.RECONSTRUCTION
                ? HeapBudget.forReconstruction(fileBytes, widths, inputFloats, config.gate().images(),
                        DenseKernels.best().onHeap())
                : HeapBudget.of(fileBytes, widths, inputFloats, config.gate().images(),
                config.policy().compensation() == Compensation.LEAST_SQUARES)).prunerBytes();
        HeapBudget.shortfall("pruner", v.key(), needed, Runtime.getRuntime().maxMemory()).ifPresent(message -> {
            throw new IllegalStateException(message);
        });
    }

    public DirectoryModelStore store() {
        return store;
    }

    /** Loads on a thread with a large stack (see {@link LargeStackWorker}). */
    public VersionModel load(ModelVersion v) {
        return loader.call(() -> loadHere(v));
    }

    private final LargeStackWorker loader = new LargeStackWorker("vbp-model-loader");

    private synchronized VersionModel loadHere(ModelVersion v) {
        VersionModel m = cache.get(v.sha256());
        if (m != null && m.version().version().equals(v.version())) {
            return m;
        }
        Path file = store.fetch(new ArtifactRef(URI.create(v.uri()), v.sha256(), -1));
        try {
            OnnxModels.LoadedModel loaded = OnnxModels.read(file);
            if (!loaded.sha256().equals(v.sha256())) {
                throw new IllegalStateException(file + " changed under the store's check");
            }
            ModelProto proto = loaded.model();
            List<MlpBlock> blocks = MlpBlockFinder.find(proto);
            requireHeap(v, java.nio.file.Files.size(file), blocks);
            m = new VersionModel(v, proto, blocks, CostModel.analyse(proto, blocks, Map.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cache.put(v.sha256(), m);
        return m;
    }
}
