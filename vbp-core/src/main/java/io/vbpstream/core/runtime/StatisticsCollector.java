package io.vbpstream.core.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.vbpstream.core.data.ImageSet;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.TokenSampler;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Runs the instrumented model over a set of images and merges every batch's in-graph moments, and optionally its
 * co-moment matrices.
 */
public final class StatisticsCollector {

    private StatisticsCollector() {
    }

    public static ModelStatistics collect(ModelProto model, String modelSha256, List<MlpBlock> blocks, ImageSet images,
                                          Preprocessor preprocessor, int batchSize, IntConsumer progress) throws IOException {
        return collect(model, modelSha256, blocks, images, preprocessor, batchSize, false, progress);
    }

    /** As above; with {@code coMoments}, every batch's co-moment matrices too (for least-squares compensation). */
    public static ModelStatistics collect(ModelProto model, String modelSha256, List<MlpBlock> blocks, ImageSet images,
                                          Preprocessor preprocessor, int batchSize, boolean coMoments, IntConsumer progress)
            throws IOException {
        return collect(model, modelSha256, blocks, images, preprocessor, batchSize, coMoments, 0, progress);
    }

    /**
     * As above; with {@code tokensPerImage} above 0 the co-moments are the collectors' estimator: that many tokens of
     * each image, drawn by {@link TokenSampler} from the seed of the image's index in the set
     * ({@code TokenSampler.imageSeed(0, 0, index)}). The moments stay over every token.
     */
    public static ModelStatistics collect(ModelProto model, String modelSha256, List<MlpBlock> blocks, ImageSet images,
                                          Preprocessor preprocessor, int batchSize, boolean coMoments, int tokensPerImage,
                                          IntConsumer progress) throws IOException {
        ModelStatistics stats = new ModelStatistics(modelSha256);
        Batches batches = new Batches(images, preprocessor, batchSize);
        boolean sampled = coMoments && tokensPerImage > 0;
        try (InstrumentedSession session = sampled ? new InstrumentedSession(model, blocks, tokensPerImage)
                : new InstrumentedSession(model, blocks, coMoments)) {
            for (int b = 0; b < batches.count(); b++) {
                InstrumentedSession.BatchResult r;
                if (sampled) {
                    long[] seeds = new long[batches.length(b)];
                    for (int i = 0; i < seeds.length; i++) {
                        seeds[i] = TokenSampler.imageSeed(0, 0, (long) batches.start(b) + i);
                    }
                    r = session.runSampled(batches.load(b), batches.shape(b), seeds);
                } else {
                    r = session.runInstrumented(batches.load(b), batches.shape(b), coMoments);
                }
                for (Map.Entry<String, Moments> e : r.moments().entrySet()) {
                    stats.block(e.getKey(), e.getValue().width()).merge(e.getValue());
                }
                for (Map.Entry<String, CoMoments> e : r.coMoments().entrySet()) {
                    stats.coMoments(e.getKey(), e.getValue().width()).merge(e.getValue());
                }
                stats.addImages(batches.length(b));
                progress.accept(batches.length(b));
            }
        }
        return stats;
    }
}
