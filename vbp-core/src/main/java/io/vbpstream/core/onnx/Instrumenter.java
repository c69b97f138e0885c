package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.List;

/**
 * Adds per-block activation moments to a model as extra graph outputs, computed inside the graph so that each batch
 * returns {@code 2 x width} doubles per block instead of the whole {@code [batch, tokens, width]} tensor.
 *
 * <p>For a block with hidden tensor {@code H} of width {@code w} the added subgraph is
 * {@code X = Cast<double>(Reshape(H, [-1, w]))}, {@code mean = ReduceMean(X, axis 0)},
 * {@code m2 = ReduceSumSquare(X - mean, axis 0)} and {@code size = Size(H)}; the sample count is {@code size / w}.
 * Reductions run in float64 so that per-batch moments are exact to double precision.
 */
public final class Instrumenter {

    private static final String PREFIX = "vbp.";

    private Instrumenter() {
    }

    /** Names of the extra outputs of one instrumented block. */
    public record BlockOutputs(String block, int width, String mean, String m2, String size) {
    }

    public static List<BlockOutputs> outputsFor(List<MlpBlock> blocks) {
        return blocks.stream().map(b -> new BlockOutputs(b.name(), b.width(),
                PREFIX + b.name() + ".mean", PREFIX + b.name() + ".m2", PREFIX + b.name() + ".size")).toList();
    }

    public static ModelProto instrument(ModelProto model, List<MlpBlock> blocks) {
        long opset = OnnxModels.defaultOpset(model);
        boolean axesAsInput = opset >= 18;
        GraphProto.Builder g = model.getGraph().toBuilder();
        String axes0 = PREFIX + "axes0";
        String flatShapePrefix = PREFIX + "flat_shape.";
        String vectorShape = PREFIX + "vector_shape";
        g.addInitializer(Tensors.int64Tensor(axes0, new long[] {1}, new long[] {0}));
        g.addInitializer(Tensors.int64Tensor(vectorShape, new long[] {1}, new long[] {-1}));
        for (int i = 0; i < blocks.size(); i++) {
            MlpBlock b = blocks.get(i);
            BlockOutputs o = outputsFor(List.of(b)).get(0);
            String p = PREFIX + b.name() + ".";
            String flatShape = flatShapePrefix + b.name();
            g.addInitializer(Tensors.int64Tensor(flatShape, new long[] {2}, new long[] {-1, b.width()}));
            g.addNode(node("Reshape", p + "reshape", List.of(b.hidden(), flatShape), p + "flat"));
            g.addNode(node("Cast", p + "cast", List.of(p + "flat"), p + "f64").toBuilder()
                    .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                            .setI(TensorProto.DataType.DOUBLE.getNumber()))
                    .build());
            g.addNode(reduce("ReduceMean", p + "reduce_mean", p + "f64", p + "mean_k", axes0, true, axesAsInput));
            g.addNode(node("Sub", p + "centre", List.of(p + "f64", p + "mean_k"), p + "centred"));
            g.addNode(reduce("ReduceSumSquare", p + "reduce_m2", p + "centred", o.m2(), axes0, false, axesAsInput));
            g.addNode(node("Reshape", p + "mean_vector", List.of(p + "mean_k", vectorShape), o.mean()));
            g.addNode(node("Size", p + "size", List.of(b.hidden()), o.size()));
            g.addOutput(output(o.mean(), TensorProto.DataType.DOUBLE));
            g.addOutput(output(o.m2(), TensorProto.DataType.DOUBLE));
            g.addOutput(output(o.size(), TensorProto.DataType.INT64));
        }
        return model.toBuilder().setGraph(g).build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
    }

    private static NodeProto reduce(String op, String name, String input, String output, String axes,
                                    boolean keepDims, boolean axesAsInput) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addInput(input).addOutput(output)
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                        .setI(keepDims ? 1 : 0));
        if (axesAsInput) {
            n.addInput(axes);
        } else {
            n.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(0));
        }
        return n.build();
    }

    private static ValueInfoProto output(String name, TensorProto.DataType type) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber())))
                .build();
    }
}
