package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A dense layer found in a graph: {@code MatMul} with a constant weight (optionally followed by a bias {@code Add}),
 * or a {@code Gemm}.
 *
 * @param nodeIndex      index of the MatMul or Gemm node
 * @param weightInput    the node's input name that carries the weight (may be an Identity output)
 * @param weight         the weight initializer
 * @param outFeaturesFirst true when the weight is stored [out, in] (Gemm with transB=1), false for [in, out]
 * @param biasNodeIndex  index of the node that adds the bias (the Add, or the Gemm itself), or -1
 * @param biasInputSlot  input slot of the bias on that node, or -1
 * @param bias           the bias initializer, or null
 * @param output         the tensor this layer produces (after the bias)
 * @param alpha          Gemm's alpha (1 for MatMul)
 * @param beta           Gemm's beta (1 for MatMul)
 */
public record LinearLayer(
        int nodeIndex,
        String weightInput,
        TensorProto weight,
        boolean outFeaturesFirst,
        int biasNodeIndex,
        int biasInputSlot,
        TensorProto bias,
        String output,
        float alpha,
        float beta) {

    public int inFeatures() {
        return (int) weight.getDims(outFeaturesFirst ? 1 : 0);
    }

    public int outFeatures() {
        return (int) weight.getDims(outFeaturesFirst ? 0 : 1);
    }

    public boolean hasBias() {
        return bias != null;
    }

    public long parameterCount() {
        return Tensors.numel(weight) + (bias == null ? 0 : Tensors.numel(bias));
    }
}
