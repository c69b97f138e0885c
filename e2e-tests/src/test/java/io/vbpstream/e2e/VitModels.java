package io.vbpstream.e2e;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.vbpstream.core.onnx.Tensors;

import java.util.SplittableRandom;

/**
 * A DeiT-shaped Vision Transformer with seeded random weights, built as PyTorch exports one (opset 17): a 16x16
 * patch embedding ({@code Conv}, stride 16) of a {@code [batch, 3, 224, 224]} image into 196 tokens, learned position
 * embeddings, then per block pre-norm single-head self-attention and a pre-norm MLP ({@code MatMul}+{@code Add}, the
 * erf GELU, {@code MatMul}+{@code Add}) with residuals, a final norm, mean pooling and a linear head. What the
 * pipeline sees at DeiT size (224x224 inputs, 196 tokens, wide MLPs) at a size a CI machine runs in a few minutes.
 * Weights are uniform with PyTorch's default {@code 1/√fan_in} bound.
 */
final class VitModels {

    private final GraphProto.Builder g = GraphProto.newBuilder().setName("vit");
    private final SplittableRandom rng;
    private int constants;

    private VitModels(long seed) {
        this.rng = new SplittableRandom(seed);
    }

    /**
     * @param dim    token width (DeiT-Small: 384)
     * @param depth  blocks
     * @param hidden MLP width (DeiT: 4 x dim)
     */
    static ModelProto deitShaped(int dim, int depth, int hidden, int classes, long seed) {
        VitModels v = new VitModels(seed);
        GraphProto.Builder g = v.g;
        g.addInput(valueInfo("input", 3, 224, 224));
        g.addOutput(valueInfo("logits", classes));
        int patch = 16;
        int tokens = (224 / patch) * (224 / patch);
        v.weight("patch.weight", new long[] {dim, 3, patch, patch}, 3 * patch * patch);
        v.weight("patch.bias", new long[] {dim}, 3 * patch * patch);
        g.addNode(node("Conv", "patches", "input", "patch.weight", "patch.bias")
                .addAttribute(ints("kernel_shape", patch, patch)).addAttribute(ints("strides", patch, patch)));
        g.addInitializer(Tensors.int64Tensor("shape.tokens", new long[] {3}, new long[] {0, dim, tokens}));
        g.addNode(node("Reshape", "patches.flat", "patches", "shape.tokens"));
        g.addNode(node("Transpose", "tokens", "patches.flat").addAttribute(ints("perm", 0, 2, 1)));
        v.weight("pos", new long[] {1, tokens, dim}, dim);
        g.addNode(node("Add", "x0", "tokens", "pos"));
        String x = "x0";
        for (int b = 0; b < depth; b++) {
            x = v.block("b" + b, x, dim, hidden);
        }
        v.layerNorm("norm", x, "normed", dim);
        g.addNode(node("ReduceMean", "pooled", "normed").addAttribute(ints("axes", 1))
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)));
        v.linear("head", "pooled", "logits", dim, classes);
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("vbp-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(g).build();
    }

    private String block(String p, String x, int dim, int hidden) {
        layerNorm(p + ".ln1", x, p + ".n1", dim);
        linear(p + ".q", p + ".n1", p + ".qv", dim, dim);
        linear(p + ".k", p + ".n1", p + ".kv", dim, dim);
        linear(p + ".v", p + ".n1", p + ".vv", dim, dim);
        g.addNode(node("Transpose", p + ".kt", p + ".kv").addAttribute(ints("perm", 0, 2, 1)));
        g.addNode(node("MatMul", p + ".scores", p + ".qv", p + ".kt"));
        g.addNode(node("Mul", p + ".scaled", p + ".scores", scalar((float) (1 / Math.sqrt(dim)))));
        g.addNode(node("Softmax", p + ".attn", p + ".scaled").addAttribute(
                AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1)));
        g.addNode(node("MatMul", p + ".mixed", p + ".attn", p + ".vv"));
        linear(p + ".proj", p + ".mixed", p + ".attnout", dim, dim);
        g.addNode(node("Add", p + ".r1", x, p + ".attnout"));
        layerNorm(p + ".ln2", p + ".r1", p + ".n2", dim);
        linear(p + ".fc1", p + ".n2", p + ".a", dim, hidden);
        // the erf GELU as torch.onnx writes it
        g.addNode(node("Div", p + ".g.div", p + ".a", scalar(1.4142135f)));
        g.addNode(node("Erf", p + ".g.erf", p + ".g.div"));
        g.addNode(node("Add", p + ".g.add", p + ".g.erf", scalar(1f)));
        g.addNode(node("Mul", p + ".g.mul", p + ".a", p + ".g.add"));
        g.addNode(node("Mul", p + ".h", p + ".g.mul", scalar(0.5f)));
        linear(p + ".fc2", p + ".h", p + ".mlpout", hidden, dim);
        g.addNode(node("Add", p + ".out", p + ".r1", p + ".mlpout"));
        return p + ".out";
    }

    private void linear(String p, String in, String out, int fanIn, int fanOut) {
        weight(p + ".weight", new long[] {fanIn, fanOut}, fanIn);
        weight(p + ".bias", new long[] {fanOut}, fanIn);
        g.addNode(node("MatMul", p + ".mm", in, p + ".weight"));
        g.addNode(node("Add", out, p + ".mm", p + ".bias"));
    }

    private void layerNorm(String p, String in, String out, int dim) {
        float[] ones = new float[dim];
        java.util.Arrays.fill(ones, 1f);
        g.addInitializer(Tensors.floatTensor(p + ".weight", new long[] {dim}, ones));
        g.addInitializer(Tensors.floatTensor(p + ".bias", new long[] {dim}, new float[dim]));
        g.addNode(node("LayerNormalization", out, in, p + ".weight", p + ".bias").addAttribute(
                AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1)));
    }

    private void weight(String name, long[] shape, int fanIn) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        g.addInitializer(Tensors.floatTensor(name, shape, v));
    }

    private String scalar(float value) {
        String name = "const" + constants++;
        g.addInitializer(Tensors.floatTensor(name, new long[0], new float[] {value}));
        return name;
    }

    private static NodeProto.Builder node(String op, String out, String... in) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out + "/" + op).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        return n;
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static ValueInfoProto valueInfo(String name, int... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }
}
