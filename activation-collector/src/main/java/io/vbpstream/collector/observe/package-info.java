/**
 * Micrometer meters (every one tagged with application and model); readiness and liveness.
 *
 * <p>Classes: {@code CollectorMetrics}, {@code CollectorHealth}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.collector.observe;
