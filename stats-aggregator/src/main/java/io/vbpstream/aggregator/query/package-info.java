/**
 * REST interactive queries with forwarding.
 *
 * <p>Classes: {@code StatisticsResource}, {@code StatisticsQueries}, {@code BlockStatistics}, {@code CoMomentsSummary},
 * {@code ModelsListing}, {@code StoreUnavailableException}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator.query;
