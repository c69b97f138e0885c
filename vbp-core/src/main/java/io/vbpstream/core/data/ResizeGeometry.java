package io.vbpstream.core.data;

/**
 * Where the model's input comes from in an image: the size the whole image is resized to, and the window of that
 * resized image that is kept. With a card's {@code resize} this is torchvision's {@code Resize(resize)} (the shorter
 * side to {@code resize}, the longer one {@code int(resize * long / short)}) followed by {@code CenterCrop} to the
 * input's size (offsets {@code int(round((size - crop) / 2))}, Python's round half to even). Without it the image is
 * resized straight to the input's size, as {@code Resize((height, width))} would.
 *
 * @param resizedWidth  the width the whole image is resized to
 * @param resizedHeight the height the whole image is resized to
 * @param left          the first column kept of the resized image
 * @param top           the first row kept of the resized image
 * @param width         the columns kept (the model's input width)
 * @param height        the rows kept (the model's input height)
 */
public record ResizeGeometry(int resizedWidth, int resizedHeight, int left, int top, int width, int height) {

    /** The longest side a resize may produce (a 1 x 16M-pixel strip would otherwise overflow). */
    public static final int MAX_SIDE = 1 << 20;

    public ResizeGeometry {
        if (left < 0 || top < 0 || left + width > resizedWidth || top + height > resizedHeight) {
            throw new IllegalArgumentException("a " + width + "x" + height + " crop at (" + left + ", " + top
                    + ") does not fit a " + resizedWidth + "x" + resizedHeight + " image");
        }
    }

    /**
     * The geometry for a {@code srcWidth x srcHeight} image.
     *
     * @param resize the shorter side's length after resizing, or 0 to resize straight to {@code width x height}
     */
    public static ResizeGeometry of(int srcWidth, int srcHeight, int resize, int width, int height) {
        if (srcWidth <= 0 || srcHeight <= 0) {
            throw new IllegalArgumentException("an image of " + srcWidth + "x" + srcHeight + " pixels");
        }
        if (resize <= 0) {
            return new ResizeGeometry(width, height, 0, 0, width, height);
        }
        long rw;
        long rh;
        if (srcWidth <= srcHeight) {
            rw = resize;
            rh = (long) ((double) ((long) resize * srcHeight) / srcWidth);
        } else {
            rh = resize;
            rw = (long) ((double) ((long) resize * srcWidth) / srcHeight);
        }
        if (rw > MAX_SIDE || rh > MAX_SIDE) {
            throw new IllegalArgumentException("a " + srcWidth + "x" + srcHeight + " image resized to a shorter side of "
                    + resize + " would be " + rw + "x" + rh + "; at most " + MAX_SIDE + " a side");
        }
        return new ResizeGeometry((int) rw, (int) rh, (int) Math.rint((rw - width) / 2.0),
                (int) Math.rint((rh - height) / 2.0), width, height);
    }
}
