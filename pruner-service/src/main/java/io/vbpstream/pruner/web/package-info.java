/**
 * REST, bearer-token check, the HTML page, the plain-text summary.
 *
 * <p>Classes: {@code ModelsResource}, {@code AdminAuth}, {@code StatusPage}, {@code SpectrumChart}, {@code Html},
 * {@code VersionSummary}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.web;
