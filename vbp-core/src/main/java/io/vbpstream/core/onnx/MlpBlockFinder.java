package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Finds every {@code Linear -> element-wise activation -> Linear} block in a graph, without being told layer names.
 *
 * <p>A Linear is a {@code MatMul} with a constant 2-D weight, optionally followed by an {@code Add} of a constant bias
 * (either operand order), or a {@code Gemm}. The activation is the set of nodes reachable from the first Linear's
 * output, up to the second Linear, provided each is element-wise and reads only that chain or scalar constants. That
 * covers the erf GELU subgraph in any operand order, its tanh approximation, fused Gelu ops, SiLU and ReLU.
 */
public final class MlpBlockFinder {

    private static final int MAX_ACTIVATION_NODES = 16;
    private static final Set<String> ELEMENTWISE = Set.of(
            "Add", "Sub", "Mul", "Div", "Erf", "Tanh", "Pow", "Sigmoid", "Relu", "LeakyRelu", "Elu", "Gelu",
            "FastGelu", "Softplus", "HardSigmoid", "HardSwish", "Clip", "Identity", "Sqrt");

    private MlpBlockFinder() {
    }

    /** All MLP blocks in graph order; throws {@link InvalidModelException} listing what was found if there are none. */
    public static List<MlpBlock> find(ModelProto model) {
        List<MlpBlock> blocks = findAll(model);
        if (blocks.isEmpty()) {
            throw new InvalidModelException("no Linear -> activation -> Linear (MLP) block found in the model. Found: "
                    + summarise(model));
        }
        return blocks;
    }

    /** All MLP blocks in graph order, possibly none. */
    public static List<MlpBlock> findAll(ModelProto model) {
        GraphIndex index = new GraphIndex(model.getGraph());
        List<MlpBlock> blocks = new ArrayList<>();
        Set<Integer> used = new java.util.HashSet<>();
        for (int i = 0; i < model.getGraph().getNodeCount(); i++) {
            Optional<LinearLayer> fc1 = linearAt(index, i);
            if (fc1.isEmpty() || used.contains(i)) {
                continue;
            }
            // in a chain Linear -> act -> Linear -> act -> Linear the middle Linear belongs to the first block only:
            // a layer that is both one block's fc2 and the next one's fc1 cannot be sliced both ways
            Optional<MlpBlock> block = blockFrom(index, fc1.get(), blocks.size());
            if (block.isPresent() && !used.contains(block.get().fc2().nodeIndex())) {
                blocks.add(block.get());
                used.add(i);
                used.add(block.get().fc2().nodeIndex());
            }
        }
        return blocks;
    }

    /** The Linear layer whose MatMul or Gemm is node {@code i}, if it is one. */
    static Optional<LinearLayer> linearAt(GraphIndex index, int i) {
        NodeProto node = index.node(i);
        switch (node.getOpType()) {
            case "MatMul" -> {
                if (node.getInputCount() != 2 || index.isConstant(node.getInput(0))) {
                    return Optional.empty();
                }
                Optional<TensorProto> w = index.initializer(node.getInput(1));
                if (w.isEmpty() || w.get().getDimsCount() != 2) {
                    return Optional.empty();
                }
                long out = w.get().getDims(1);
                List<Integer> next = index.consumerIndices(node.getOutput(0));
                if (next.size() == 1 && !index.isGraphOutput(node.getOutput(0))) {
                    NodeProto add = index.node(next.get(0));
                    if (add.getOpType().equals("Add") && add.getInputCount() == 2) {
                        int slot = add.getInput(0).equals(node.getOutput(0)) ? 1 : 0;
                        Optional<TensorProto> b = index.initializer(add.getInput(slot));
                        if (b.isPresent() && Tensors.numel(b.get()) == out && b.get().getDimsCount() == 1) {
                            return Optional.of(new LinearLayer(i, node.getInput(1), w.get(), false, next.get(0), slot,
                                    b.get(), add.getOutput(0), 1f, 1f));
                        }
                    }
                }
                return Optional.of(new LinearLayer(i, node.getInput(1), w.get(), false, -1, -1, null,
                        node.getOutput(0), 1f, 1f));
            }
            case "Gemm" -> {
                if (GraphIndex.intAttribute(node, "transA", 0) != 0) {
                    return Optional.empty();
                }
                Optional<TensorProto> w = index.initializer(node.getInput(1));
                if (w.isEmpty() || w.get().getDimsCount() != 2) {
                    return Optional.empty();
                }
                boolean transB = GraphIndex.intAttribute(node, "transB", 0) != 0;
                long out = w.get().getDims(transB ? 0 : 1);
                TensorProto bias = null;
                float beta = GraphIndex.floatAttribute(node, "beta", 1f);
                if (node.getInputCount() > 2 && !node.getInput(2).isEmpty() && beta != 0f) {
                    Optional<TensorProto> b = index.initializer(node.getInput(2));
                    if (b.isEmpty() || Tensors.numel(b.get()) != out) {
                        return Optional.empty();
                    }
                    bias = b.get();
                }
                return Optional.of(new LinearLayer(i, node.getInput(1), w.get(), transB, bias == null ? -1 : i,
                        bias == null ? -1 : 2, bias, node.getOutput(0),
                        GraphIndex.floatAttribute(node, "alpha", 1f), beta));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private static Optional<MlpBlock> blockFrom(GraphIndex index, LinearLayer fc1, int ordinal) {
        String a = fc1.output();
        if (index.isGraphOutput(a) || index.consumerIndices(a).isEmpty()) {
            return Optional.empty();
        }
        Set<Integer> region = new LinkedHashSet<>();
        Set<String> regionTensors = new LinkedHashSet<>();
        regionTensors.add(a);
        Deque<String> frontier = new ArrayDeque<>(List.of(a));
        String hidden = null;
        int fc2Index = -1;
        while (!frontier.isEmpty()) {
            String t = frontier.poll();
            for (int c : index.consumerIndices(t)) {
                if (region.contains(c)) {
                    continue;
                }
                NodeProto n = index.node(c);
                if (ELEMENTWISE.contains(n.getOpType()) && !(n.getOpType().equals("FastGelu") && n.getInputCount() > 1)) {
                    region.add(c);
                    if (region.size() > MAX_ACTIVATION_NODES || n.getOutputCount() != 1) {
                        return Optional.empty();
                    }
                    regionTensors.add(n.getOutput(0));
                    frontier.add(n.getOutput(0));
                } else if ((n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm")) && n.getInput(0).equals(t)
                        && !t.equals(a) && (hidden == null || (hidden.equals(t) && fc2Index == c))) {
                    hidden = t;
                    fc2Index = c;
                } else {
                    return Optional.empty();
                }
            }
        }
        if (hidden == null || region.isEmpty() || index.consumerIndices(hidden).size() != 1 || index.isGraphOutput(hidden)) {
            return Optional.empty();
        }
        for (int r : region) {
            for (String in : index.node(r).getInputList()) {
                if (in.isEmpty() || regionTensors.contains(in)) {
                    continue;
                }
                Optional<TensorProto> c = index.constant(in);
                if (c.isEmpty() || Tensors.numel(c.get()) != 1) {
                    return Optional.empty();
                }
            }
            String out = index.node(r).getOutput(0);
            if (!out.equals(hidden) && index.isGraphOutput(out)) {
                return Optional.empty();
            }
        }
        Optional<LinearLayer> fc2 = linearAt(index, fc2Index);
        if (fc2.isEmpty() || fc2.get().inFeatures() != fc1.outFeatures()
                || (fc1.hasBias() && Tensors.numel(fc1.bias()) != fc1.outFeatures())) {
            return Optional.empty();
        }
        List<String> ops = region.stream().map(r -> index.node(r).getOpType()).toList();
        return Optional.of(new MlpBlock("mlp" + ordinal, fc1, classify(index, region, ops), List.copyOf(region), hidden,
                fc2.get(), describe(index, fc1)));
    }

    private static ActivationKind classify(GraphIndex index, Set<Integer> region, List<String> ops) {
        if (ops.contains("Gelu") || ops.contains("FastGelu")) {
            boolean tanh = region.stream().map(index::node)
                    .anyMatch(n -> GraphIndex.attribute(n, "approximate").map(x -> x.getS().toStringUtf8().equals("tanh"))
                            .orElse(n.getOpType().equals("FastGelu")));
            return tanh ? ActivationKind.GELU_TANH : ActivationKind.GELU;
        }
        if (ops.contains("Erf")) {
            return ActivationKind.GELU_ERF;
        }
        if (ops.contains("Tanh") && ops.contains("Mul")) {
            return ActivationKind.GELU_TANH;
        }
        if (ops.contains("Sigmoid") && ops.contains("Mul")) {
            return ActivationKind.SILU;
        }
        if (ops.equals(List.of("Relu"))) {
            return ActivationKind.RELU;
        }
        return ActivationKind.OTHER_ELEMENTWISE;
    }

    private static String describe(GraphIndex index, LinearLayer fc1) {
        if (fc1.bias() != null && !fc1.bias().getName().startsWith("onnx::")) {
            return fc1.bias().getName();
        }
        String node = index.node(fc1.nodeIndex()).getName();
        return node.isEmpty() ? fc1.weight().getName() : node;
    }

    /** What a model holds, for the error message when it has no MLP block. */
    static String summarise(ModelProto model) {
        GraphIndex index = new GraphIndex(model.getGraph());
        int constMatMul = 0;
        int gemm = 0;
        for (int i = 0; i < model.getGraph().getNodeCount(); i++) {
            NodeProto n = index.node(i);
            if (n.getOpType().equals("MatMul") && n.getInputCount() == 2 && index.initializer(n.getInput(1)).isPresent()) {
                constMatMul++;
            }
            if (n.getOpType().equals("Gemm")) {
                gemm++;
            }
        }
        Map<String, Long> histogram = model.getGraph().getNodeList().stream()
                .collect(Collectors.groupingBy(NodeProto::getOpType, TreeMap::new, Collectors.counting()));
        List<String> activations = histogram.keySet().stream()
                .filter(op -> Set.of("Gelu", "FastGelu", "Erf", "Tanh", "Sigmoid", "Relu").contains(op)).toList();
        return constMatMul + " MatMul with constant weights, " + gemm + " Gemm; activation ops " + activations
                + "; all ops " + histogram;
    }
}
