package io.vbpstream.core.onnx;

/** The element-wise activation between the two dense layers of an MLP block. */
public enum ActivationKind {
    /** {@code x * 0.5 * (1 + erf(x / sqrt(2)))}, as PyTorch and HuggingFace export nn.GELU. */
    GELU_ERF,
    /** The tanh approximation {@code 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))}. */
    GELU_TANH,
    /** A fused {@code Gelu} / {@code FastGelu} operator. */
    GELU,
    /** {@code x * sigmoid(x)} (SiLU/Swish) and sigmoid-gated variants such as QuickGELU. */
    SILU,
    RELU,
    /** Any other chain of element-wise operators with scalar constants. */
    OTHER_ELEMENTWISE
}
