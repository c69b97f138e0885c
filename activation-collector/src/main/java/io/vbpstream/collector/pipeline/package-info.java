/**
 * The transactional loop, what one transaction covers, the co-moments gathered since the last publication, decoding
 * with refusal reasons, softmax top-k.
 *
 * <p>Classes: {@code CollectorLoop}, {@code MomentsWindow}, {@code CoMomentsAccumulator}, {@code ImageIntake},
 * {@code TopK}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.collector.pipeline;
