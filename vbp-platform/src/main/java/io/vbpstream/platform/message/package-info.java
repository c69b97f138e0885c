/**
 * The versioned JSON control messages (unknown schemas refused with a reason) and which versions' statistics are
 * superseded.
 *
 * <p>Classes: {@code ModelVersion}, {@code Prediction}, {@code OffsetRange}, {@code Messages},
 * {@code VersionRetention}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.platform.message;
