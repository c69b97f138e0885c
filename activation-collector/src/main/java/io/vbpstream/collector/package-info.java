/**
 * Start/stop; channel topic names taken from {@code Topic}.
 *
 * <p>Classes: {@code CollectorConfig} ({@code &#64;ConfigMapping}, {@code vbp.collector.*}), {@code CollectorService},
 * {@code TopicConfigSource}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.collector;
