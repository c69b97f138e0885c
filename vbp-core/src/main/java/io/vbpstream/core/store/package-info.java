/**
 * Content-addressed model artifacts ({@code vbp-store:sha256/<hex>.onnx} under a directory), verified by sha256 on
 * every fetch; any other address (another scheme, {@code ..}, a name that is not the sha256) is refused, so no URI from
 * a message can reach outside the store. An S3-compatible store can implement the same interface.
 *
 * <p>Classes: {@code ModelStore}, {@code DirectoryModelStore}, {@code ArtifactRef} (with {@code address} and
 * {@code sha256Of}: a sha256's store address, and the sha256 a well-formed address names), {@code ModelStoreException}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.store;
