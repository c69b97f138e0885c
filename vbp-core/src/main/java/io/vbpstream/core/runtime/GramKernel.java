package io.vbpstream.core.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.stats.CoMoments;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The Gram matrix of sampled activation rows, computed by ONNX Runtime's GEMMs in a graph of its own: only its upper
 * triangle, in row bands of {@link #BAND_ROWS}, so it costs about {@code (1 + 1/bands)/2} of the full product
 * ({@code 0.58} at a width of 3072). The rows are centred on their float64 mean first (in place, on the heap), so
 * the Gram is about the exact mean and its float32 rounding is relative to the spread of the values, not to their
 * size; the bands are then merged into a float64 {@link CoMoments}
 * ({@link CoMoments#mergeBands}).
 *
 * <p>Kept apart from the model's own graph, the Gram runs on as many rows as the caller has gathered (several batches'
 * worth, say), and the model's session never holds a {@code w x w} output. Not thread-safe.
 */
public final class GramKernel implements AutoCloseable {

    /** Rows of the Gram per band. */
    public static final int BAND_ROWS = 512;

    private static final String INPUT = "rows";

    private final int width;
    private final int bands;
    private final OrtSession session;
    private ByteBuffer input;
    /** The bands' values, copied out of each run into the same arrays (22 MB at a width of 3072, no garbage per call). */
    private final float[][] out;

    public GramKernel(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("width must be positive: " + width);
        }
        this.width = width;
        this.bands = (width + BAND_ROWS - 1) / BAND_ROWS;
        this.out = new float[bands][];
        for (int b = 0; b < bands; b++) {
            out[b] = new float[Math.toIntExact(bandSize(width, b))];
        }
        try (OrtSession.SessionOptions options = OrtEnv.sessionOptions()) {
            this.session = OrtEnv.get().createSession(graph(width).toByteArray(), options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot build the Gram kernel: " + e.getMessage(), e);
        }
    }

    public int width() {
        return width;
    }

    /** Values in the upper triangle's bands of a Gram of {@code width} (what a kernel keeps between calls, as floats). */
    public static long bandFloats(int width) {
        long n = 0;
        for (int b = 0; b * BAND_ROWS < width; b++) {
            n += bandSize(width, b);
        }
        return n;
    }

    /** Values in band {@code b}: its rows against the columns from its first row on. */
    private static long bandSize(int width, int b) {
        int r0 = b * BAND_ROWS;
        return (long) Math.min(BAND_ROWS, width - r0) * (width - r0);
    }

    /**
     * Merges the first {@code count} rows of {@code rows} (row-major {@code [count, width]}) into {@code into} as one
     * batch. The rows are centred in place: {@code rows} holds them minus their mean afterwards.
     */
    public void merge(CoMoments into, float[] rows, int count) {
        if (into.width() != width || rows.length < (long) count * width) {
            throw new IllegalArgumentException(count + " rows of width " + width + " in " + rows.length
                    + " values, merged into width " + into.width());
        }
        if (count == 0) {
            return;
        }
        double[] mean = new double[width];
        for (int r = 0; r < count; r++) {
            int at = r * width;
            for (int j = 0; j < width; j++) {
                mean[j] += rows[at + j];
            }
        }
        for (int j = 0; j < width; j++) {
            mean[j] /= count;
        }
        FloatBuffer x = centred(rows, count, mean);
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put(INPUT, OnnxTensor.createTensor(OrtEnv.get(), x, new long[] {count, width}));
            try (OrtSession.Result r = session.run(in)) {
                for (int b = 0; b < bands; b++) {
                    ((OnnxTensor) r.get(b)).getFloatBuffer().get(out[b]);
                }
            }
            into.mergeBands(count, mean, BAND_ROWS, out);
        } catch (OrtException e) {
            throw new IllegalStateException("the Gram kernel failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /** {@code rows − mean}, in place and then in a direct buffer {@code [count, width]} reused between calls. */
    private FloatBuffer centred(float[] rows, int count, double[] mean) {
        long values = (long) width * count;
        if (values * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " rows of width " + width + " are too many for one Gram");
        }
        for (int r = 0; r < count; r++) {
            int at = r * width;
            for (int j = 0; j < width; j++) {
                rows[at + j] = (float) (rows[at + j] - mean[j]);
            }
        }
        if (input == null || input.capacity() < values * Float.BYTES) {
            input = ByteBuffer.allocateDirect((int) (values * Float.BYTES)).order(ByteOrder.nativeOrder());
        }
        FloatBuffer out = input.asFloatBuffer();
        out.put(rows, 0, (int) values);
        out.flip();
        return out;
    }

    /**
     * {@code rows} {@code [R, w]}; band {@code b} is {@code rows[:, b·B : (b+1)·B]ᵀ · rows[:, b·B :]}, the Gram's rows
     * {@code b·B ..} from column {@code b·B} on: one {@code Gemm} with {@code transA} per band, on column slices
     * (measured as fast as row slices of the transposed rows, without the transposition).
     */
    static ModelProto graph(int width) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("vbp-gram");
        g.addInput(ValueInfoProto.newBuilder().setName(INPUT).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(TensorShapeProto.newBuilder()
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("rows"))
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))))));
        g.addInitializer(Tensors.int64Tensor("axis1", new long[] {1}, new long[] {1}));
        g.addInitializer(Tensors.int64Tensor("end", new long[] {1}, new long[] {width}));
        int bands = (width + BAND_ROWS - 1) / BAND_ROWS;
        for (int b = 0; b < bands; b++) {
            int r0 = b * BAND_ROWS;
            int r1 = Math.min(width, r0 + BAND_ROWS);
            String start = "start" + b;
            String stop = "stop" + b;
            g.addInitializer(Tensors.int64Tensor(start, new long[] {1}, new long[] {r0}));
            g.addInitializer(Tensors.int64Tensor(stop, new long[] {1}, new long[] {r1}));
            String columnsOfBand = "a" + b;
            String rest = b == 0 ? INPUT : "c" + b;
            g.addNode(node("Slice", columnsOfBand, INPUT, start, stop, "axis1"));
            if (b > 0) {
                g.addNode(node("Slice", rest, INPUT, start, "end", "axis1"));
            }
            String band = "band" + b;
            g.addNode(node("Gemm", band, columnsOfBand, rest).toBuilder().addAttribute(AttributeProto.newBuilder()
                    .setName("transA").setType(AttributeProto.AttributeType.INT).setI(1)).build());
            g.addOutput(ValueInfoProto.newBuilder().setName(band).setType(TypeProto.newBuilder().setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()))));
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("vbp-stream")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).setGraph(g).build();
    }

    private static NodeProto node(String op, String output, String... inputs) {
        return NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(java.util.List.of(inputs))
                .addOutput(output).build();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
