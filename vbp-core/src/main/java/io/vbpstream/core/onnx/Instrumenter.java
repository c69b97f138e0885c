package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.List;

/**
 * Adds per-block activation sums to a model as extra graph outputs, computed inside the graph so that each batch
 * returns {@code 2 x width} doubles per block instead of the whole {@code [batch, tokens, width]} tensor.
 *
 * <p>For a block with hidden tensor {@code H} viewed as {@code [B, T, w]} (B items of T tokens; T = 1 for 2-D
 * activations):
 * <pre>
 *   s_i = 1[1,T] · H_i,   q_i = 1[1,T] · (H_i ∘ H_i)     per item, float32 GEMMs (MLAS), [B, 1, w]
 *   sum = Σ_i s_i,        sumsq = Σ_i q_i                 float64
 * </pre>
 * from which {@link InstrumentedSession} forms the batch's count {@code n = B·T}, mean {@code sum / n} and
 * {@code M2 = sumsq − sum · mean}. The token reductions run as matrix products, the fastest kernels ONNX Runtime has,
 * and touch the hidden tensor only once more (for the squares); the rest is four small ops per block. Each item's
 * sums depend only on that item, never on which batch it came in, so two pipelines that see the same images get the
 * same statistics up to float64 rounding.
 *
 * <p>On request each block also gets the outputs of its co-moment matrix (see {@code addCoMoments}), which ONNX
 * Runtime computes only in the runs that fetch them.
 */
public final class Instrumenter {

    private static final String PREFIX = "vbp.";
    private static final int DOUBLE = TensorProto.DataType.DOUBLE.getNumber();

    private Instrumenter() {
    }

    /**
     * Names of the extra inputs and outputs of one instrumented block: per-neuron sum and sum of squares, the element
     * count, and for the co-moments over every token the batch's centre ({@code [1, w]}, float32) and centred Gram
     * matrix ({@code [w, w]}, float32), or for sampled tokens the int64 input {@code rows} and the rows it selects
     * ({@code sampled}, {@code [rows, w]}, float32).
     */
    public record BlockOutputs(String block, int width, String sum, String sumOfSquares, String size, String centre,
                               String gram, String rows, String sampled) {

        /**
         * The batch's co-moments from its count and float64 mean (from {@link #toMoments}) and the graph's centre
         * {@code m} and centred Gram {@code G = Σ (h − m)(h − m)ᵀ}: {@code C = G − n·(m − μ)(m − μ)ᵀ} moves the Gram
         * from the float32 centre to the exact mean.
         */
        public io.vbpstream.core.stats.CoMoments toCoMoments(long count, double[] mean, float[] centre, float[] gram) {
            io.vbpstream.core.stats.CoMoments c = io.vbpstream.core.stats.CoMoments.ofBatch(count, mean, gram);
            double[] d = new double[width];
            for (int j = 0; j < width; j++) {
                d[j] = centre[j] - mean[j];
            }
            return c.shifted(d);
        }

        /**
         * The batch's moments from the graph outputs: {@code size} elements of the hidden tensor (tokens x width),
         * and the per-neuron sums and sums of squares. The arrays are reused for the mean and M2.
         */
        public io.vbpstream.core.stats.Moments toMoments(long size, double[] sums, double[] sumsOfSquares) {
            long n = size / width;
            for (int j = 0; j < sums.length; j++) {
                sums[j] /= n;
                // sumsq - sum * mean; the float32 per-item sums leave rounding noise that can dip below zero
                sumsOfSquares[j] = Math.max(0.0, sumsOfSquares[j] - n * sums[j] * sums[j]);
            }
            return io.vbpstream.core.stats.Moments.of(n, sums, sumsOfSquares);
        }
    }

    public static List<BlockOutputs> outputsFor(List<MlpBlock> blocks) {
        return blocks.stream().map(b -> new BlockOutputs(b.name(), b.width(),
                PREFIX + b.name() + ".sum", PREFIX + b.name() + ".sumsq", PREFIX + b.name() + ".size",
                PREFIX + b.name() + ".centre", PREFIX + b.name() + ".gram", PREFIX + b.name() + ".rows",
                PREFIX + b.name() + ".sampled")).toList();
    }

    /** The moments outputs only. */
    public static ModelProto instrument(ModelProto model, List<MlpBlock> blocks) {
        return instrument(model, blocks, false);
    }

    /**
     * The moments outputs, and with {@code coMoments} the co-moment outputs too (a runtime that computes every output
     * of a graph, as DJL's does, would otherwise pay for them on every batch).
     */
    public static ModelProto instrument(ModelProto model, List<MlpBlock> blocks, boolean coMoments) {
        return instrument(model, blocks, coMoments ? CoMomentsOutputs.ON_REQUEST : CoMomentsOutputs.NONE);
    }

    /**
     * The moments outputs over every token, and the activation rows the co-moments are sampled from: each block gets an
     * int64 input {@code vbp.<block>.rows} ({@link BlockOutputs#rows}) listing rows of its hidden tensor viewed as
     * {@code [batch · tokens, width]}, and returns those rows ({@link BlockOutputs#sampled}, one {@code Gather}). Their
     * Gram is computed outside the model's graph ({@code GramKernel}), on as many rows as the caller gathers: the
     * model's session never holds a {@code w x w} matrix, and a few tokens per image make the co-moments cheap enough to
     * gather on every batch. The rows must be in range and at least one.
     */
    public static ModelProto instrumentTokenSampled(ModelProto model, List<MlpBlock> blocks) {
        return instrument(model, blocks, CoMomentsOutputs.SAMPLED_TOKENS);
    }

    private enum CoMomentsOutputs { NONE, ON_REQUEST, SAMPLED_TOKENS }

    private static ModelProto instrument(ModelProto model, List<MlpBlock> blocks, CoMomentsOutputs coMoments) {
        long opset = OnnxModels.defaultOpset(model);
        GraphProto.Builder g = model.getGraph().toBuilder();
        String one = PREFIX + "one";
        String axes01 = PREFIX + "axes01";
        String index1 = PREFIX + "index1";
        g.addInitializer(Tensors.int64Tensor(one, new long[] {1}, new long[] {1}));
        g.addInitializer(Tensors.int64Tensor(index1, new long[] {1}, new long[] {1}));
        g.addInitializer(Tensors.int64Tensor(axes01, new long[] {2}, new long[] {0, 1}));
        for (MlpBlock b : blocks) {
            BlockOutputs o = outputsFor(List.of(b)).get(0);
            String p = PREFIX + b.name() + ".";
            String shape3 = p + "shape3";
            g.addInitializer(Tensors.int64Tensor(shape3, new long[] {3}, new long[] {0, -1, b.width()}));
            g.addNode(node("Reshape", p + "h3", b.hidden(), shape3));
            // a [1, T] row of ones, T taken from the tensor at run time
            onesRow(g, p + "ones", p + "h3", index1, one);
            g.addNode(node("MatMul", p + "s", p + "ones", p + "h3"));
            g.addNode(node("Mul", p + "sq", p + "h3", p + "h3"));
            g.addNode(node("MatMul", p + "q", p + "ones", p + "sq"));
            g.addNode(cast(p + "s64", p + "s"));
            g.addNode(cast(p + "q64", p + "q"));
            g.addNode(reduce("ReduceSum", o.sum(), p + "s64", axes01, opset));
            g.addNode(reduce("ReduceSum", o.sumOfSquares(), p + "q64", axes01, opset));
            g.addNode(node("Size", o.size(), b.hidden()));
            g.addOutput(output(o.sum(), TensorProto.DataType.DOUBLE));
            g.addOutput(output(o.sumOfSquares(), TensorProto.DataType.DOUBLE));
            g.addOutput(output(o.size(), TensorProto.DataType.INT64));
            if (coMoments == CoMomentsOutputs.ON_REQUEST) {
                addCoMoments(g, b, p, one, o.centre(), o.gram());
                g.addOutput(output(o.centre(), TensorProto.DataType.FLOAT));
                g.addOutput(output(o.gram(), TensorProto.DataType.FLOAT));
            } else if (coMoments == CoMomentsOutputs.SAMPLED_TOKENS) {
                g.addInput(ValueInfoProto.newBuilder().setName(o.rows()).setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64.getNumber())
                                .setShape(TensorShapeProto.newBuilder().addDim(
                                        TensorShapeProto.Dimension.newBuilder().setDimParam(p + "samples"))))));
                g.addNode(node("Reshape", p + "h2", b.hidden(), rows2(g, b, p)));
                g.addNode(node("Gather", o.sampled(), p + "h2", o.rows()).toBuilder()
                        .addAttribute(intAttr("axis", 0)).build());
                g.addOutput(output(o.sampled(), TensorProto.DataType.FLOAT));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** The shape {@code [-1, w]} that views the block's hidden tensor as rows; returns its name. */
    private static String rows2(GraphProto.Builder g, MlpBlock b, String p) {
        String shape2 = p + "shape2";
        g.addInitializer(Tensors.int64Tensor(shape2, new long[] {2}, new long[] {-1, b.width()}));
        return shape2;
    }

    /**
     * The centred Gram matrix {@code G = Hcᵀ·Hc} with {@code Hc = H − m} over every row of the block's hidden tensor
     * viewed as {@code [N, w]} and {@code m} their float32 mean: two GEMMs (the mean as {@code 1[1,N]·H / N}, the Gram
     * as one Gemm with {@code transA}). ONNX Runtime only computes what a run asks for, so a run that does not fetch
     * these outputs pays nothing for them.
     */
    private static void addCoMoments(GraphProto.Builder g, MlpBlock b, String p, String one, String centre, String gram) {
        String index0 = p + "index0";
        g.addInitializer(Tensors.int64Tensor(index0, new long[] {1}, new long[] {0}));
        g.addNode(node("Reshape", p + "h2", b.hidden(), rows2(g, b, p)));
        String samples = p + "h2";
        String count = onesRow(g, p + "ones_n", samples, index0, one);
        g.addNode(node("MatMul", p + "colsum", p + "ones_n", samples));
        g.addNode(node("Cast", p + "rows_f", count).toBuilder()
                .addAttribute(intAttr("to", TensorProto.DataType.FLOAT.getNumber())).build());
        g.addNode(node("Div", centre, p + "colsum", p + "rows_f"));
        g.addNode(node("Sub", p + "hc", samples, centre));
        g.addNode(node("Gemm", gram, p + "hc", p + "hc").toBuilder().addAttribute(intAttr("transA", 1)).build());
    }

    /**
     * {@code name}: a float {@code [1, L]} row of ones, where L is dimension {@code axis} (an int64 {@code [1]}
     * initializer) of {@code tensor} at run time; returns the name of L.
     */
    private static String onesRow(GraphProto.Builder g, String name, String tensor, String axis, String one) {
        g.addNode(node("Shape", name + "_of", tensor));
        g.addNode(node("Gather", name + "_length", name + "_of", axis));
        g.addNode(node("Concat", name + "_shape", one, name + "_length").toBuilder().addAttribute(intAttr("axis", 0)).build());
        g.addNode(NodeProto.newBuilder().setOpType("ConstantOfShape").setName(name).addInput(name + "_shape")
                .addOutput(name).addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR)
                        .setT(Tensors.floatTensor("value", new long[] {1}, new float[] {1f}))).build());
        return name + "_length";
    }

    private static NodeProto node(String op, String output, String... inputs) {
        return NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(List.of(inputs)).addOutput(output).build();
    }

    private static NodeProto cast(String output, String input) {
        return node("Cast", output, input).toBuilder().addAttribute(intAttr("to", DOUBLE)).build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** A reduction over axes 0 and 1 to a vector; axes are an attribute before (and an input from) the op's opset change. */
    private static NodeProto reduce(String op, String output, String input, String axes, long opset) {
        boolean axesAsInput = opset >= (op.equals("ReduceSum") ? 13 : 18);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output).addInput(input).addOutput(output)
                .addAttribute(intAttr("keepdims", 0));
        if (axesAsInput) {
            n.addInput(axes);
        } else {
            n.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                    .addInts(0).addInts(1));
        }
        return n.build();
    }

    private static ValueInfoProto output(String name, TensorProto.DataType type) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber())))
                .build();
    }
}
