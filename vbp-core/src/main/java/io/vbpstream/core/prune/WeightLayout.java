package io.vbpstream.core.prune;

import io.vbpstream.core.onnx.LinearLayer;

/**
 * Where the weight from input {@code i} to output {@code o} sits in a linear layer's row-major data: {@code [out, in]}
 * for a Gemm with {@code transB=1} (outputs first), {@code [in, out]} otherwise. The one place that knows both layouts.
 *
 * @param outputsFirst the weight is stored {@code [out, in]}
 */
record WeightLayout(boolean outputsFirst, int inputs, int outputs) {

    /** The layout of {@code layer}'s weight as it is. */
    static WeightLayout of(LinearLayer layer) {
        return new WeightLayout(layer.outFeaturesFirst(), layer.inFeatures(), layer.outFeatures());
    }

    /** The same layout with {@code inputs} inputs (a weight whose inputs were sliced). */
    WeightLayout withInputs(int inputs) {
        return new WeightLayout(outputsFirst, inputs, outputs);
    }

    int at(int i, int o) {
        return outputsFirst ? o * inputs + i : i * outputs + o;
    }
}
