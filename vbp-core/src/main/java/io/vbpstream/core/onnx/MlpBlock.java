package io.vbpstream.core.onnx;

import java.util.List;

/**
 * One {@code Linear -> activation -> Linear} block. Pruning removes hidden neurons: columns of fc1, entries of its
 * bias, and rows of fc2.
 *
 * @param name           stable name, {@code mlp<ordinal>} in graph order
 * @param fc1            the expanding layer
 * @param activation     what the activation is
 * @param activationNodes indices of the element-wise nodes between fc1 and fc2
 * @param hidden         the post-activation tensor whose per-neuron statistics VBP ranks by
 * @param fc2            the projecting layer
 * @param source         a human-readable hint (node or bias names from the exporter)
 */
public record MlpBlock(
        String name,
        LinearLayer fc1,
        ActivationKind activation,
        List<Integer> activationNodes,
        String hidden,
        LinearLayer fc2,
        String source) {

    public int width() {
        return fc1.outFeatures();
    }

    public int inFeatures() {
        return fc1.inFeatures();
    }

    public int outFeatures() {
        return fc2.outFeatures();
    }

    public long parameterCount() {
        return fc1.parameterCount() + fc2.parameterCount();
    }
}
