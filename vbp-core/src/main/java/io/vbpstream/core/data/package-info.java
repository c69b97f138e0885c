/**
 * Model cards, defensive PNG/JPEG decoding, IDX files, preprocessing.
 *
 * <p>Classes: {@code ModelCard}, {@code Preprocessor}, {@code ImageDecoder}, {@code RejectedImageException},
 * {@code IdxImages}, {@code IdxSplit}, {@code ImageSet}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.data;
