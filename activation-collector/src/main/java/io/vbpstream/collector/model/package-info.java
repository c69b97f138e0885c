/**
 * DJL's ONNX Runtime engine (started before anything else touches ONNX Runtime), fetch + verify + load, the served and
 * the pending version.
 *
 * <p>Classes: {@code DjlEngine}, {@code CoMomentsDemand} (whether the pruner still wants the served version's
 * co-moments), {@code BatchPredictor} (what the loop runs a batch through;
 * {@code ServingModel.withPredictor} decorates it), {@code InstrumentedPredictor}, {@code MomentsTranslator} (its DJL
 * translator: a float batch and the sampled rows in; logits, per-block moments and, when sampled, the rows out; it
 * batches itself), {@code ModelLoader}, {@code ModelRegistry}, {@code ServingModel}, {@code ModelRefusedException},
 * {@code ModelVersionsListener}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.collector.model;
