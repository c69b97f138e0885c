/**
 * Meters (the merge listener's counts, the stores' sizes); health. The start-up credentials check is vbp-platform's
 * {@code KafkaCredentialsGuard}.
 *
 * <p>Classes: {@code AggregatorMetrics}, {@code StoreSizeMetrics}, {@code StreamsReadiness}, {@code StreamsLiveness}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator.observe;
