/**
 * Meters; ready once the three topics are read; live while the followers and the checks run.
 *
 * <p>Classes: {@code PrunerMetrics}, {@code PrunerReadiness}, {@code PrunerLiveness}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.observe;
