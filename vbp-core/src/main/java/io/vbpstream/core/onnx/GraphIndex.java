package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Read-only lookups over a graph: who produces and consumes each tensor, and which tensors are constants. */
public final class GraphIndex {

    private final GraphProto graph;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>();
    private final Set<String> subgraphReferences = new HashSet<>();

    public GraphIndex(GraphProto graph) {
        this.graph = graph;
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            for (String out : n.getOutputList()) {
                producer.put(out, i);
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
        }
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
        for (NodeProto n : graph.getNodeList()) {
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collectReferences(a.getG(), subgraphReferences);
                }
                a.getGraphsList().forEach(sub -> collectReferences(sub, subgraphReferences));
            }
        }
    }

    /** Every tensor name that nodes of a subgraph (If/Loop/Scan bodies, recursively) read. */
    private static void collectReferences(GraphProto g, Set<String> into) {
        for (NodeProto n : g.getNodeList()) {
            into.addAll(n.getInputList());
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collectReferences(a.getG(), into);
                }
                a.getGraphsList().forEach(sub -> collectReferences(sub, into));
            }
        }
    }

    public GraphProto graph() {
        return graph;
    }

    public NodeProto node(int index) {
        return graph.getNode(index);
    }

    public Optional<Integer> producerIndex(String tensor) {
        return Optional.ofNullable(producer.get(tensor));
    }

    public Optional<NodeProto> producer(String tensor) {
        return producerIndex(tensor).map(graph::getNode);
    }

    public List<Integer> consumerIndices(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    public List<NodeProto> consumers(String tensor) {
        return consumerIndices(tensor).stream().map(graph::getNode).toList();
    }

    public boolean isGraphOutput(String tensor) {
        return graphOutputs.contains(tensor);
    }

    /** How many places read this tensor: node inputs plus graph outputs. */
    public int useCount(String tensor) {
        return consumerIndices(tensor).size() + (isGraphOutput(tensor) ? 1 : 0);
    }

    /** The initializer behind a tensor, following Identity nodes that exporters insert for de-duplicated weights. */
    public Optional<TensorProto> initializer(String tensor) {
        String name = tensor;
        for (int hops = 0; hops < 8; hops++) {
            TensorProto t = initializers.get(name);
            if (t != null) {
                return Optional.of(t);
            }
            Optional<NodeProto> p = producer(name);
            if (p.isEmpty() || !p.get().getOpType().equals("Identity")) {
                return Optional.empty();
            }
            name = p.get().getInput(0);
        }
        return Optional.empty();
    }

    /**
     * True when the initializer named here is read by more than one place, directly or through chains of Identity
     * nodes, or by any subgraph.
     */
    public boolean isShared(String initializerName) {
        return readers(initializerName, 0) > 1;
    }

    private int readers(String tensor, int depth) {
        if (depth > 16 || subgraphReferences.contains(tensor)) {
            return 2;
        }
        int uses = isGraphOutput(tensor) ? 1 : 0;
        for (int idx : consumerIndices(tensor)) {
            NodeProto n = node(idx);
            uses += n.getOpType().equals("Identity") ? Math.max(1, readers(n.getOutput(0), depth + 1)) : 1;
        }
        return uses;
    }

    /** A compile-time constant: an initializer (possibly behind Identity) or a Constant node's value. */
    public Optional<TensorProto> constant(String tensor) {
        Optional<TensorProto> init = initializer(tensor);
        if (init.isPresent()) {
            return init;
        }
        Optional<NodeProto> p = producer(tensor);
        if (p.isEmpty() || !p.get().getOpType().equals("Constant")) {
            return Optional.empty();
        }
        for (AttributeProto a : p.get().getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return Optional.of(a.getT());
                case "value_float":
                    return Optional.of(Tensors.floatTensor(tensor, new long[0], new float[] {a.getF()}));
                case "value_int":
                    return Optional.of(Tensors.int64Tensor(tensor, new long[0], new long[] {a.getI()}));
                default:
                    break;
            }
        }
        return Optional.empty();
    }

    public boolean isConstant(String tensor) {
        return constant(tensor).isPresent();
    }

    public static Optional<AttributeProto> attribute(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
    }

    public static long intAttribute(NodeProto node, String name, long fallback) {
        return attribute(node, name).map(AttributeProto::getI).orElse(fallback);
    }

    public static float floatAttribute(NodeProto node, String name, float fallback) {
        return attribute(node, name).map(AttributeProto::getF).orElse(fallback);
    }

    public static String describe(NodeProto node) {
        return node.getOpType() + (node.getName().isEmpty() ? "" : " '" + node.getName() + "'");
    }
}
