package io.vbpstream.core.cost;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.GraphIndex;
import io.vbpstream.core.onnx.InvalidModelException;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.runtime.OrtEnv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts parameters and multiply-accumulates at batch 1. Shapes are not guessed: the model is run once by ONNX
 * Runtime on zero inputs with {@code Shape} outputs added for the operands of every MatMul, Gemm and Conv, so
 * attention matmuls and any reshaping are counted as the runtime sees them.
 */
public final class CostModel {

    private static final Set<String> COUNTED = Set.of("MatMul", "Gemm", "Conv", "ConvTranspose");

    private CostModel() {
    }

    /** Analyses a model; dynamic input dimensions are 1 unless named in {@code dims} (e.g. "sequence" -> 128). */
    public static ModelCost analyse(ModelProto model, List<MlpBlock> blocks, Map<String, Long> dims) {
        GraphProto graph = model.getGraph();
        GraphProto.Builder g = graph.toBuilder();
        List<Integer> counted = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            if (!COUNTED.contains(n.getOpType()) || !n.getDomain().isEmpty()) {
                continue;
            }
            counted.add(i);
            addShape(g, n.getInput(0), "vbp.shape." + i + ".a");
            addShape(g, n.getInput(1), "vbp.shape." + i + ".b");
            addShape(g, n.getOutput(0), "vbp.shape." + i + ".y");
        }
        Map<String, long[]> shapes = runShapes(model.toBuilder().setGraph(g).build(), dims);

        Map<Integer, Long> macsByNode = new HashMap<>();
        long total = 0;
        for (int i : counted) {
            NodeProto n = graph.getNode(i);
            long[] a = shapes.get("vbp.shape." + i + ".a");
            long[] b = shapes.get("vbp.shape." + i + ".b");
            long[] y = shapes.get("vbp.shape." + i + ".y");
            long macs = switch (n.getOpType()) {
                case "MatMul" -> numel(y) * a[a.length - 1];
                case "Gemm" -> numel(y) * (GraphIndex.intAttribute(n, "transA", 0) != 0 ? a[0] : a[1]);
                case "Conv" -> numel(y) * numel(b) / b[0];
                case "ConvTranspose" -> numel(a) * numel(b) / b[0];
                default -> 0;
            };
            macsByNode.put(i, macs);
            total += macs;
        }

        List<BlockCost> blockCosts = new ArrayList<>();
        for (MlpBlock blk : blocks) {
            long fc1 = macsByNode.getOrDefault(blk.fc1().nodeIndex(), 0L);
            long fc2 = macsByNode.getOrDefault(blk.fc2().nodeIndex(), 0L);
            long tokens = fc1 / ((long) blk.inFeatures() * blk.width());
            blockCosts.add(new BlockCost(blk.name(), blk.width(), blk.inFeatures(), blk.outFeatures(), tokens, fc1 + fc2,
                    blk.parameterCount()));
        }
        return new ModelCost(total, parameterCount(model), blockCosts);
    }

    /** Elements of every floating-point initializer (shape and index constants are not parameters). */
    public static long parameterCount(ModelProto model) {
        Set<Integer> floating = Set.of(TensorProto.DataType.FLOAT.getNumber(), TensorProto.DataType.FLOAT16.getNumber(),
                TensorProto.DataType.DOUBLE.getNumber(), TensorProto.DataType.BFLOAT16.getNumber());
        return model.getGraph().getInitializerList().stream()
                .filter(t -> floating.contains(t.getDataType()))
                .mapToLong(Tensors::numel).sum();
    }

    private static void addShape(GraphProto.Builder g, String tensor, String out) {
        g.addNode(NodeProto.newBuilder().setOpType("Shape").setName(out).addInput(tensor).addOutput(out));
        g.addOutput(ValueInfoProto.newBuilder().setName(out).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64.getNumber()))));
    }

    private static Map<String, long[]> runShapes(ModelProto model, Map<String, Long> dims) {
        Set<String> initializers = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, long[]> out = new HashMap<>();
        try (OrtSession.SessionOptions o = OrtEnv.sessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            // through a temporary file, so that a large model is not held twice on the heap
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile("vbp-cost", ".onnx");
            try (OrtSession session = createSession(model, tmp, o)) {
                Map<String, OnnxTensor> inputs = new HashMap<>();
                try {
                    for (ValueInfoProto in : model.getGraph().getInputList()) {
                        if (!initializers.contains(in.getName())) {
                            inputs.put(in.getName(), zeros(in, dims));
                        }
                    }
                    Set<String> wanted = new HashSet<>(session.getOutputNames());
                    wanted.removeIf(n -> !n.startsWith("vbp.shape."));
                    try (OrtSession.Result r = session.run(inputs, wanted)) {
                        for (String name : wanted) {
                            out.put(name, (long[]) r.get(name).orElseThrow().getValue());
                        }
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot run the model to measure its cost: " + e.getMessage(), e);
        }
        return out;
    }

    private static OrtSession createSession(ModelProto model, java.nio.file.Path tmp, OrtSession.SessionOptions o)
            throws java.io.IOException, OrtException {
        io.vbpstream.core.onnx.OnnxModels.write(model, tmp);
        return OrtEnv.get().createSession(tmp.toString(), o);
    }

    private static OnnxTensor zeros(ValueInfoProto in, Map<String, Long> dims) throws OrtException {
        TypeProto.Tensor t = in.getType().getTensorType();
        List<TensorShapeProto.Dimension> d = t.getShape().getDimList();
        long[] shape = new long[d.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            TensorShapeProto.Dimension dim = d.get(i);
            shape[i] = dim.hasDimValue() ? dim.getDimValue() : dims.getOrDefault(dim.getDimParam(), 1L);
            n *= shape[i];
        }
        TensorProto.DataType type = TensorProto.DataType.forNumber(t.getElemType());
        int bytes = switch (type) {
            case FLOAT, INT32 -> 4;
            case INT64, DOUBLE -> 8;
            case BOOL, UINT8, INT8 -> 1;
            default -> throw new InvalidModelException("input " + in.getName() + " has unsupported type " + type);
        };
        ByteBuffer buf = ByteBuffer.allocateDirect((int) (n * bytes)).order(java.nio.ByteOrder.nativeOrder());
        ai.onnxruntime.OnnxJavaType jt = switch (type) {
            case FLOAT -> ai.onnxruntime.OnnxJavaType.FLOAT;
            case INT32 -> ai.onnxruntime.OnnxJavaType.INT32;
            case INT64 -> ai.onnxruntime.OnnxJavaType.INT64;
            case DOUBLE -> ai.onnxruntime.OnnxJavaType.DOUBLE;
            case BOOL -> ai.onnxruntime.OnnxJavaType.BOOL;
            case UINT8 -> ai.onnxruntime.OnnxJavaType.UINT8;
            default -> ai.onnxruntime.OnnxJavaType.INT8;
        };
        return OnnxTensor.createTensor(OrtEnv.get(), buf, shape, jt);
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
