package io.vbpstream.core.cost;

/**
 * Cost of one MLP block at batch 1.
 *
 * @param tokens positions per image that the block's Linears run over (e.g. 50 for a 7x7-patch ViT with cls token)
 * @param macs   multiply-accumulates of fc1 and fc2
 * @param params weights and biases of fc1 and fc2
 */
public record BlockCost(String block, int width, int inFeatures, int outFeatures, long tokens, long macs, long params) {

    /** MACs saved per removed hidden neuron: its fc1 column and its fc2 row, at every token. */
    public long macsPerNeuron() {
        return tokens * ((long) inFeatures + outFeatures);
    }

    /** Parameters saved per removed hidden neuron: its fc1 column, its fc1 bias entry and its fc2 row. */
    public long paramsPerNeuron() {
        return (long) inFeatures + 1 + outFeatures;
    }

    public BlockCost withWidth(int newWidth) {
        int removed = width - newWidth;
        return new BlockCost(block, newWidth, inFeatures, outFeatures, tokens,
                macs - removed * macsPerNeuron(), params - removed * paramsPerNeuron());
    }
}
