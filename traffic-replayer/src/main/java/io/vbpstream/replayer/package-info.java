/**
 * Streams images into {@code images}, at a rate or flat out ({@code deploy/local/replay.sh}): an IDX file's as lossless
 * PNG records, or a folder's PNG/JPEG files byte for byte in a seeded shuffle, labels from class-index sub-folders.
 *
 * <p>Classes: {@code TrafficReplayer}, {@code ImageSource} ({@code Idx}, {@code Folder}: what the replayer sends).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.replayer;
