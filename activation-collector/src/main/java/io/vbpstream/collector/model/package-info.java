/**
 * DJL's ONNX Runtime engine (started before anything else touches ONNX Runtime), fetch + verify + load, the served and
 * the pending version.
 *
 * <p>Classes: {@code DjlEngine}, {@code BatchPredictor} (what the loop runs a batch through;
 * {@code ServingModel.withPredictor} decorates it), {@code InstrumentedPredictor}, {@code ModelLoader},
 * {@code ModelRegistry}, {@code ServingModel}, {@code ModelRefusedException}, {@code ModelVersionsListener}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.collector.model;
