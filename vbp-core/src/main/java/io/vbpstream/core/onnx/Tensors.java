package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/** Conversions between ONNX {@link TensorProto}s and Java arrays. */
public final class Tensors {

    private Tensors() {
    }

    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    public static long numel(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    public static float[] floats(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            throw new InvalidModelException("tensor '" + t.getName() + "' has data type "
                    + TensorProto.DataType.forNumber(t.getDataType()) + "; only FLOAT weights can be pruned");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new InvalidModelException("tensor '" + t.getName() + "' uses external data; save the model with weights inline");
        }
        int n = Math.toIntExact(numel(t));
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != 4L * n) {
                throw new InvalidModelException("tensor '" + t.getName() + "' has " + t.getRawData().size()
                        + " raw bytes for " + n + " floats");
            }
            float[] out = new float[n];
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
        if (t.getFloatDataCount() != n) {
            throw new InvalidModelException("tensor '" + t.getName() + "' has " + t.getFloatDataCount()
                    + " values for " + n + " elements");
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    /** The single value of a one-element numeric tensor, as a double. */
    public static double scalar(TensorProto t) {
        if (numel(t) != 1) {
            throw new InvalidModelException("tensor '" + t.getName() + "' is not a scalar: dims " + Arrays.toString(dims(t)));
        }
        TensorProto.DataType type = TensorProto.DataType.forNumber(t.getDataType());
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        return switch (type) {
            case FLOAT -> hasRaw ? raw.getFloat() : t.getFloatData(0);
            case DOUBLE -> hasRaw ? raw.getDouble() : t.getDoubleData(0);
            case INT64 -> hasRaw ? raw.getLong() : t.getInt64Data(0);
            case INT32 -> hasRaw ? raw.getInt() : t.getInt32Data(0);
            case FLOAT16 -> halfToFloat(hasRaw ? raw.getShort() : (short) t.getInt32Data(0));
            default -> throw new InvalidModelException("tensor '" + t.getName() + "' of type " + type + " is not a numeric scalar");
        };
    }

    static float halfToFloat(short h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        float v;
        if (exp == 0) {
            v = (float) (mant * Math.pow(2, -24));
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = (float) ((1 + mant / 1024.0) * Math.pow(2, exp - 15));
        }
        return sign == 1 ? -v : v;
    }

    public static TensorProto floatTensor(String name, long[] dims, float[] values) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " do not hold " + values.length + " values");
        }
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer fb = buf.asFloatBuffer();
        fb.put(values);
        TensorProto.Builder b = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    public static TensorProto int64Tensor(String name, long[] dims, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        TensorProto.Builder b = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.INT64.getNumber())
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    /** Keeps the given columns of a row-major [rows, cols] matrix. */
    public static float[] keepColumns(float[] m, int rows, int cols, int[] keep) {
        float[] out = new float[rows * keep.length];
        for (int r = 0; r < rows; r++) {
            int src = r * cols;
            int dst = r * keep.length;
            for (int k = 0; k < keep.length; k++) {
                out[dst + k] = m[src + keep[k]];
            }
        }
        return out;
    }

    /** Keeps the given rows of a row-major [rows, cols] matrix. */
    public static float[] keepRows(float[] m, int cols, int[] keep) {
        float[] out = new float[keep.length * cols];
        for (int k = 0; k < keep.length; k++) {
            System.arraycopy(m, keep[k] * cols, out, k * cols, cols);
        }
        return out;
    }

    public static float[] keep(float[] v, int[] keep) {
        float[] out = new float[keep.length];
        for (int k = 0; k < keep.length; k++) {
            out[k] = v[keep[k]];
        }
        return out;
    }
}
