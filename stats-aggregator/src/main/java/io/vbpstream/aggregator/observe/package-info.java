/**
 * Meters; health; the start-up credentials check.
 *
 * <p>Classes: {@code AggregatorMetrics}, {@code StoreSizeMetrics}, {@code StreamsReadiness}, {@code StreamsLiveness},
 * {@code KafkaCredentialsGuard}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator.observe;
