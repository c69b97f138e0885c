/**
 * The versioned JSON control messages (unknown schemas, malformed JSON and bad fields refused with a reason), which
 * versions' statistics are superseded, and the header names the services read and write.
 *
 * <p>Classes: {@code ModelVersion}, {@code Prediction}, {@code OffsetRange}, {@code Messages},
 * {@code MessageFormatException}, {@code VersionRetention}, {@code VbpHeaders} (the traffic replayer writes its
 * {@code content-type} and {@code label} headers as literals of the same names).
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.platform.message;
