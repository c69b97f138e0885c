/**
 * Params and MACs at batch 1; the heap each service needs for a model.
 *
 * <p>Classes: {@code CostModel}, {@code ModelCost}, {@code BlockCost}, {@code HeapBudget}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.cost;
