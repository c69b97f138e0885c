/**
 * Streams IDX images as lossless PNG records into {@code images}, at a rate or flat out
 * ({@code deploy/local/replay.sh}).
 *
 * <p>Classes: {@code TrafficReplayer}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.replayer;
