/**
 * What the services' REST resources share: the one shape of an error body, {@code {"error": "...", "reason": "..."}}.
 *
 * <p>Classes: {@code JsonErrors}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.platform.web;
