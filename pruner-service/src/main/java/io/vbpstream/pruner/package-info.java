/**
 * The check loop; publishes the base version if the topic has none.
 *
 * <p>Classes: {@code PrunerConfig} ({@code vbp.pruner.*}), {@code RecompressionLoop}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner;
