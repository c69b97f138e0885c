/**
 * Model cards, defensive PNG/JPEG decoding, IDX files, preprocessing as torchvision/timm define it for PIL images: the
 * decoded image's 8-bit planes, the card's resize and centre crop, Pillow's antialiased resampling over the kept window
 * only, then the per-channel normalisation.
 *
 * <p>Classes: {@code ModelCard}, {@code Preprocessor}, {@code PixelPlanes} (the 8-bit planes read from the raster's
 * bytes, Pillow's luma for a gray model), {@code ResizeGeometry} (torchvision's {@code Resize(n)} +
 * {@code CenterCrop}), {@code Resampler} (Pillow's bilinear/bicubic resampling in fixed point, byte-exact against its
 * golden files), {@code Interpolation} (the filters), {@code ImageDecoder}, {@code RejectedImageException},
 * {@code IdxImages}, {@code IdxSplit}, {@code ImageSet}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.data;
