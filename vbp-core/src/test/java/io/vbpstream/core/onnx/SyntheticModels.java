package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.SplittableRandom;

/**
 * Builds small single-MLP-block models {@code y = fc2(act(fc1(x)))} with input {@code x[batch, tokens, in]}, in the
 * export styles block discovery must recognise. Weights come from a seeded generator.
 */
public final class SyntheticModels {

    /** How the activation between fc1 and fc2 is written. */
    public enum Style {
        /** PyTorch: Div(x, 1.4142) -> Erf -> Add(., 1) -> Mul(x, .) -> Mul(., 0.5). */
        ERF_TORCH,
        /** Constants first and the 0.5 applied first: Mul(0.5, x) * Add(1, Erf(Mul(0.7071, x))). */
        ERF_CONSTANTS_FIRST,
        /** As ERF_TORCH but with every scalar a Constant node (HuggingFace opset 11 exports). */
        ERF_CONSTANT_NODES,
        /** 0.5 * x * (1 + tanh(0.7978846 * (x + 0.044715 * x * x * x))). */
        TANH,
        /** The Gelu operator of opset 20. */
        GELU_OP,
        RELU,
        /** x * Sigmoid(x). */
        SILU
    }

    private final GraphProto.Builder g = GraphProto.newBuilder().setName("synthetic");
    private int constants;
    private final boolean constantNodes;

    private SyntheticModels(boolean constantNodes) {
        this.constantNodes = constantNodes;
    }

    public static ModelProto mlp(Style style, int in, int hidden, int out, long seed, boolean fc2Bias) {
        SyntheticModels s = new SyntheticModels(style == Style.ERF_CONSTANT_NODES);
        SplittableRandom rng = new SplittableRandom(seed);
        s.g.addInput(s.valueInfo("x", in));
        s.g.addOutput(s.valueInfo("y", out));
        s.g.addInitializer(Tensors.floatTensor("fc1.weight", new long[] {in, hidden}, random(rng, in * hidden, 1.0 / Math.sqrt(in))));
        s.g.addInitializer(Tensors.floatTensor("fc1.bias", new long[] {hidden}, random(rng, hidden, 0.5)));
        s.g.addInitializer(Tensors.floatTensor("fc2.weight", new long[] {hidden, out}, random(rng, hidden * out, 1.0 / Math.sqrt(hidden))));
        s.node("MatMul", "x", "fc1.weight", "fc1.mm");
        s.node("Add", "fc1.bias", "fc1.mm", "a");
        String h = s.activation(style, "a");
        String mmOut = fc2Bias ? "fc2.mm" : "y";
        s.node("MatMul", h, "fc2.weight", mmOut);
        if (fc2Bias) {
            s.g.addInitializer(Tensors.floatTensor("fc2.bias", new long[] {out}, random(rng, out, 0.5)));
            s.node("Add", "fc2.mm", "fc2.bias", "y");
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("vbp-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(style == Style.GELU_OP ? 20 : 17))
                .setGraph(s.g).build();
    }

    private String activation(Style style, String a) {
        switch (style) {
            case ERF_TORCH, ERF_CONSTANT_NODES -> {
                node("Div", a, scalar(1.4142135f), "g.div");
                node("Erf", "g.div", null, "g.erf");
                node("Add", "g.erf", scalar(1f), "g.add");
                node("Mul", a, "g.add", "g.mul");
                node("Mul", "g.mul", scalar(0.5f), "h");
            }
            case ERF_CONSTANTS_FIRST -> {
                node("Mul", scalar(0.5f), a, "g.half");
                node("Mul", scalar(0.70710677f), a, "g.scaled");
                node("Erf", "g.scaled", null, "g.erf");
                node("Add", scalar(1f), "g.erf", "g.add");
                node("Mul", "g.half", "g.add", "h");
            }
            case TANH -> {
                node("Mul", a, a, "t.sq");
                node("Mul", "t.sq", a, "t.cube");
                node("Mul", scalar(0.044715f), "t.cube", "t.c");
                node("Add", a, "t.c", "t.inner");
                node("Mul", "t.inner", scalar(0.7978846f), "t.scaled");
                node("Tanh", "t.scaled", null, "t.tanh");
                node("Add", "t.tanh", scalar(1f), "t.add");
                node("Mul", scalar(0.5f), a, "t.half");
                node("Mul", "t.half", "t.add", "h");
            }
            case GELU_OP -> node("Gelu", a, null, "h");
            case RELU -> node("Relu", a, null, "h");
            case SILU -> {
                node("Sigmoid", a, null, "s.sig");
                node("Mul", a, "s.sig", "h");
            }
            default -> throw new IllegalArgumentException(style.toString());
        }
        return "h";
    }

    private String scalar(float v) {
        String name = "const" + constants++;
        TensorProto t = Tensors.floatTensor(name, new long[0], new float[] {v});
        if (constantNodes) {
            g.addNode(NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                    .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t)));
        } else {
            g.addInitializer(t);
        }
        return name;
    }

    private void node(String op, String a, String b, String out) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out + "/" + op).addInput(a).addOutput(out);
        if (b != null) {
            n.addInput(b);
        }
        g.addNode(n);
    }

    private ValueInfoProto valueInfo(String name, int width) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(TensorShapeProto.newBuilder()
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("tokens"))
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))))).build();
    }

    public static float[] random(SplittableRandom rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale * Math.sqrt(3));
        }
        return v;
    }

    /** Returns the model with one initializer's data replaced. */
    public static ModelProto withInitializer(ModelProto m, String name, float[] data) {
        GraphProto.Builder gb = m.getGraph().toBuilder();
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            if (gb.getInitializer(i).getName().equals(name)) {
                gb.setInitializer(i, Tensors.floatTensor(name, Tensors.dims(gb.getInitializer(i)), data));
                return m.toBuilder().setGraph(gb).build();
            }
        }
        throw new IllegalArgumentException("no initializer " + name);
    }
}
