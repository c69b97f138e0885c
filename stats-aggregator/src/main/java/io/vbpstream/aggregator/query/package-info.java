/**
 * REST interactive queries with forwarding.
 *
 * <p>Classes: {@code StatisticsResource}, {@code StatisticsQueries} (answer here or forward once),
 * {@code LocalStores} (ownership and this instance's stores), {@code OwnerClient} (the one forwarded request),
 * {@code BlockStatistics}, {@code CoMomentsSummary},
 * {@code ModelsListing}, {@code StoreUnavailableException}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator.query;
