/**
 * The check loop; publishes the base version when {@code model-versions} has no version of
 * {@code vbp.pruner.model.id}.
 *
 * <p>Classes: {@code PrunerConfig} ({@code vbp.pruner.*}), {@code RecompressionLoop}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner;
