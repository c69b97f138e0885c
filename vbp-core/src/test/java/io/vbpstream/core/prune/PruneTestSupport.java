package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.vbpstream.core.onnx.LinearLayer;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.runtime.InstrumentedSession;
import io.vbpstream.core.stats.ModelStatistics;

import java.util.List;
import java.util.Map;

final class PruneTestSupport {

    private PruneTestSupport() {
    }

    /** Zeroes the fc1 weights feeding the given neurons, so that their activation is constant (act(bias)). */
    static ModelProto zeroIncoming(ModelProto m, MlpBlock block, int[] neurons) {
        LinearLayer fc1 = block.fc1();
        float[] w = Tensors.floats(fc1.weight());
        int in = fc1.inFeatures();
        int hidden = fc1.outFeatures();
        for (int j : neurons) {
            for (int i = 0; i < in; i++) {
                w[fc1.outFeaturesFirst() ? j * in + i : i * hidden + j] = 0f;
            }
        }
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals(fc1.weight().getName())) {
                g.setInitializer(i, Tensors.floatTensor(t.getName(), Tensors.dims(t), w));
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    /** Statistics from running the instrumented model over the given inputs. */
    static ModelStatistics stats(ModelProto m, List<MlpBlock> blocks, float[] x, long[] shape) {
        ModelStatistics stats = new ModelStatistics("test");
        try (InstrumentedSession s = new InstrumentedSession(m, blocks)) {
            Map<String, io.vbpstream.core.stats.Moments> r = s.runInstrumented(x, shape).moments();
            r.forEach((k, v) -> stats.block(k, v.width()).merge(v));
        }
        stats.addImages(shape[0]);
        return stats;
    }

    /** As {@link #stats}, with every block's co-moment matrix too. */
    static ModelStatistics statsWithCoMoments(ModelProto m, List<MlpBlock> blocks, float[] x, long[] shape) {
        ModelStatistics stats = new ModelStatistics("test");
        try (InstrumentedSession s = new InstrumentedSession(m, blocks, true)) {
            InstrumentedSession.BatchResult r = s.runInstrumented(x, shape, true);
            r.moments().forEach((k, v) -> stats.block(k, v.width()).merge(v));
            r.coMoments().forEach((k, v) -> stats.coMoments(k, v.width()).merge(v));
        }
        stats.addImages(shape[0]);
        return stats;
    }

    static float[] run(ModelProto m, float[] x, long[] shape) {
        try (io.vbpstream.core.runtime.ModelSession s = new io.vbpstream.core.runtime.ModelSession(m)) {
            return s.firstOutput(x, shape);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static ModelProto prune(ModelProto m, List<MlpBlock> blocks, ModelStatistics stats, PruningPolicy policy) {
        return Pruning.run(m, "test", stats, policy, null).model();
    }

    static PruningPolicy ratio(Criterion c, double r, Compensation comp) {
        return PruningPolicy.of(c, Allocation.UNIFORM, new PruningTarget.NeuronRatio(r), comp);
    }
}
