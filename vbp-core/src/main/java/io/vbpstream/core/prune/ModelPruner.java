package io.vbpstream.core.prune;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.vbpstream.core.onnx.GraphIndex;
import io.vbpstream.core.onnx.LinearLayer;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;
import io.vbpstream.core.stats.Moments;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a {@link PruningPlan} to a model: slices fc1's weight columns and bias entries and fc2's weight rows, and
 * compensates for the removed neurons in fc2 ({@link Compensation}, computed by {@link Fc2Compensation}: their mean
 * folded into the bias, or their least-squares reconstruction from the kept neurons folded into the kept rows and the
 * bias), and records the lineage ({@link LineageMetadata}). This class is the graph surgery. The result is physically
 * smaller (sliced initializers, not masks).
 * Everything the plan does not touch is preserved: opset imports, metadata, other initializers, node order and names.
 * A block with nothing to remove is left byte-for-byte as it was.
 */
public final class ModelPruner {

    private final ModelProto model;
    private final GraphIndex index;
    private final GraphProto.Builder graph;
    private final Map<String, Integer> initializerPosition = new HashMap<>();
    private final Set<String> staleShapes = new HashSet<>();
    private final Map<String, long[]> newShapes = new HashMap<>();
    /** Nodes to insert right after the node at the given original index (kept apart so that indices stay valid). */
    private final Map<Integer, NodeProto> pendingAdds = new HashMap<>();

    private ModelPruner(ModelProto model) {
        this.model = model;
        this.index = new GraphIndex(model.getGraph());
        this.graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            initializerPosition.put(graph.getInitializer(i).getName(), i);
        }
    }

    /**
     * @param stats needed for {@link Compensation#MEAN} (moments) and {@link Compensation#LEAST_SQUARES} (co-moment
     *              matrices); may be null for {@link Compensation#NONE}
     * @param ridge α of least-squares compensation (ignored otherwise)
     */
    public static ModelProto prune(ModelProto model, List<MlpBlock> blocks, PruningPlan plan, ModelStatistics stats,
                                   Compensation compensation, double ridge,
                                   LineageMetadata.Lineage lineage) {
        ModelPruner p = new ModelPruner(model);
        Map<String, BlockPlan> plans = new HashMap<>();
        plan.blocks().forEach(b -> plans.put(b.block(), b));
        for (MlpBlock block : blocks) {
            BlockPlan bp = plans.get(block.name());
            if (bp == null) {
                throw new IllegalArgumentException("plan has no entry for block " + block.name());
            }
            if (bp.width() != block.width()) {
                throw new IllegalArgumentException("plan for " + block.name() + " is for width " + bp.width()
                        + ", the block has " + block.width());
            }
        }
        // the least-squares solves are independent per block and take most of the time: run them in parallel first
        Map<String, double[]> reconstructions = compensation == Compensation.LEAST_SQUARES
                ? Fc2Compensation.solveAll(blocks, plans, stats, ridge) : Map.of();
        for (MlpBlock block : blocks) {
            BlockPlan bp = plans.get(block.name());
            if (bp.removed().length > 0) {
                Moments m = compensation == Compensation.MEAN ? Fc2Compensation.requireMoments(stats, block) : null;
                CoMoments c = compensation == Compensation.LEAST_SQUARES ? stats.coMoments(block.name()) : null;
                p.pruneBlock(block, bp, m, c, reconstructions.get(block.name()));
            }
        }
        p.insertPendingNodes();
        p.fixShapes();
        ModelProto.Builder out = model.toBuilder().setGraph(p.graph);
        LineageMetadata.write(out, plan, compensation, lineage);
        return out.build();
    }

    private void pruneBlock(MlpBlock block, BlockPlan plan, Moments moments, CoMoments coMoments, double[] reconstruction) {
        int[] kept = plan.kept();
        int w = block.width();
        int k = kept.length;
        String tag = block.name();

        LinearLayer fc1 = block.fc1();
        float[] w1 = Tensors.floats(fc1.weight());
        int in = fc1.inFeatures();
        if (fc1.outFeaturesFirst()) {
            replace(fc1.nodeIndex(), 1, fc1.weight(), new long[] {k, in}, Tensors.keepRows(w1, in, kept), tag);
        } else {
            replace(fc1.nodeIndex(), 1, fc1.weight(), new long[] {in, k}, Tensors.keepColumns(w1, in, w, kept), tag);
        }
        if (fc1.hasBias()) {
            replace(fc1.biasNodeIndex(), fc1.biasInputSlot(), fc1.bias(), resized(fc1.bias(), k),
                    Tensors.keep(Tensors.floats(fc1.bias()), kept), tag);
        }

        LinearLayer fc2 = block.fc2();
        float[] w2 = Tensors.floats(fc2.weight());
        int out = fc2.outFeatures();
        float[] w2Kept = fc2.outFeaturesFirst() ? Tensors.keepColumns(w2, out, w, kept) : Tensors.keepRows(w2, out, kept);
        double[] shift = null;
        if (moments != null) {
            shift = Fc2Compensation.meanShift(block, plan, moments, w2);
        } else if (coMoments != null) {
            shift = Fc2Compensation.leastSquaresFold(block, plan, coMoments, reconstruction, w2, w2Kept);
        }
        replace(fc2.nodeIndex(), 1, fc2.weight(), fc2.outFeaturesFirst() ? new long[] {out, k} : new long[] {k, out},
                w2Kept, tag);
        if (shift != null) {
            addToBias(fc2, shift, tag);
        }

        // tensors whose shape changed, including Identity outputs through which a weight or bias is read
        staleShapes.add(fc1.weightInput());
        staleShapes.add(fc2.weightInput());
        if (fc1.hasBias()) {
            staleShapes.add(index.node(fc1.biasNodeIndex()).getInput(fc1.biasInputSlot()));
        }
        staleShapes.add(index.node(fc1.nodeIndex()).getOutput(0));
        staleShapes.add(fc1.output());
        block.activationNodes().forEach(i -> staleShapes.addAll(index.node(i).getOutputList()));
    }

    /** {@code b2 += (alpha / beta) * shift}, or a new bias {@code alpha * shift} for an fc2 without one. */
    private void addToBias(LinearLayer fc2, double[] shift, String tag) {
        int out = fc2.outFeatures();
        double scale = fc2.hasBias() ? (double) fc2.alpha() / fc2.beta() : fc2.alpha();
        if (fc2.hasBias()) {
            float[] b2 = Tensors.floats(fc2.bias());
            for (int o = 0; o < out; o++) {
                b2[o] = (float) (b2[o] + scale * shift[o]);
            }
            replace(fc2.biasNodeIndex(), fc2.biasInputSlot(), fc2.bias(), Tensors.dims(fc2.bias()), b2, tag);
            return;
        }
        float[] b2 = new float[out];
        for (int o = 0; o < out; o++) {
            b2[o] = (float) (scale * shift[o]);
        }
        addBias(fc2, b2, tag);
    }

    /** Inserts {@code Add(y, bias)} after a Linear that had none, keeping the original output name downstream. */
    private void addBias(LinearLayer fc2, float[] bias, String tag) {
        NodeProto node = graph.getNode(fc2.nodeIndex());
        String original = node.getOutput(0);
        String raw = original + ".vbp_unbiased";
        String biasName = uniqueName(original + ".vbp_bias." + tag);
        graph.addInitializer(Tensors.floatTensor(biasName, new long[] {bias.length}, bias));
        graph.setNode(fc2.nodeIndex(), node.toBuilder().setOutput(0, raw));
        pendingAdds.put(fc2.nodeIndex(), NodeProto.newBuilder().setOpType("Add").setName(raw + "/vbp_add")
                .addInput(raw).addInput(biasName).addOutput(original).build());
        staleShapes.add(original);
        staleShapes.add(raw);
    }

    /**
     * Writes new data for the initializer a node reads at {@code slot}. An initializer read only there is replaced in
     * place under its own name; a shared one (exporters de-duplicate identical weights) is left for its other readers
     * and the node is pointed at a new, block-specific copy.
     */
    private void replace(int nodeIndex, int slot, TensorProto original, long[] dims, float[] data, String tag) {
        String name = original.getName();
        if (!index.isShared(name) && initializerPosition.containsKey(name)) {
            graph.setInitializer(initializerPosition.get(name), Tensors.floatTensor(name, dims, data));
            newShapes.put(name, dims);
            return;
        }
        String fresh = uniqueName(name + ".vbp." + tag);
        graph.addInitializer(Tensors.floatTensor(fresh, dims, data));
        initializerPosition.put(fresh, graph.getInitializerCount() - 1);
        graph.setNode(nodeIndex, graph.getNode(nodeIndex).toBuilder().setInput(slot, fresh));
    }

    private void insertPendingNodes() {
        if (pendingAdds.isEmpty()) {
            return;
        }
        List<NodeProto> nodes = new java.util.ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            nodes.add(graph.getNode(i));
            NodeProto add = pendingAdds.get(i);
            if (add != null) {
                nodes.add(add);
            }
        }
        graph.clearNode().addAllNode(nodes);
    }

    private String uniqueName(String base) {
        String name = base;
        for (int i = 1; initializerPosition.containsKey(name) || index.producer(name).isPresent(); i++) {
            name = base + "." + i;
        }
        return name;
    }

    private static long[] resized(TensorProto bias, int k) {
        long[] dims = Tensors.dims(bias);
        dims[dims.length - 1] = k;
        return dims;
    }

    /** Drops inferred shapes of tensors whose width changed and fixes declared shapes of replaced initializers. */
    private void fixShapes() {
        List<ValueInfoProto> kept = graph.getValueInfoList().stream()
                .filter(v -> !staleShapes.contains(v.getName()) && !newShapes.containsKey(v.getName())).toList();
        graph.clearValueInfo().addAllValueInfo(kept);
        for (int i = 0; i < graph.getInputCount(); i++) {
            long[] dims = newShapes.get(graph.getInput(i).getName());
            if (dims != null) {
                TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
                for (long d : dims) {
                    shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
                }
                ValueInfoProto.Builder v = graph.getInput(i).toBuilder();
                v.getTypeBuilder().getTensorTypeBuilder().setShape(shape);
                graph.setInput(i, v);
            }
        }
    }
}
