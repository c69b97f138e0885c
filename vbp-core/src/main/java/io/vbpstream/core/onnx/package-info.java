/**
 * Read/write/hash models (streamed, so a model is held once), tensor conversions, producer/consumer lookups, block
 * discovery, in-graph moments.
 *
 * <p>Classes: {@code OnnxModels}, {@code Tensors}, {@code GraphIndex}, {@code MlpBlockFinder}, {@code MlpBlock},
 * {@code LinearLayer}, {@code ActivationKind}, {@code Instrumenter}, {@code InvalidModelException}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.onnx;
