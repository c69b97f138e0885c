/**
 * REST, bearer-token check, the HTML page (meta refresh every 5 s, responsive CSS grid, no scripts), its SVG charts (a
 * block's spectrum with the next step's threshold; MACs and accuracy relative to the base over the promoted
 * generations), the plain-text summary.
 *
 * <p>Classes: {@code ModelsResource}, {@code AdminAuth}, {@code StatusPage}, {@code SpectrumChart},
 * {@code LineageChart}, {@code Html}, {@code VersionSummary}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.web;
