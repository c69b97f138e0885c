package io.vbpstream.core.data;

import java.awt.image.BufferedImage;

/**
 * Turns images into the float tensor a model expects, as its {@link ModelCard} says, the way torchvision and timm
 * define it for PIL images: convert to gray or RGB, resize ({@code resize}: the shorter side, then a centre crop to the
 * input's size; without it, straight to the input's size) with the card's {@code interpolation} (Pillow's filters,
 * {@link Resampler}), then {@code (pixel * scale - mean) / std} per channel, laid out CHW. The collector, the pruner's
 * gate, {@code vbp stats} and {@code vbp eval} all go through here, so they all see the same inputs.
 */
public final class Preprocessor {

    private final ModelCard.Input input;
    private final Interpolation interpolation;
    private final int resize;
    /** Per channel, the normalised value of each 8-bit level. */
    private final float[][] levels;

    public Preprocessor(ModelCard.Input input) {
        this.input = input;
        this.interpolation = Interpolation.parse(input.interpolation());
        this.resize = input.resize() == null ? 0 : input.resize();
        int c = input.channels();
        ModelCard.Normalisation n = input.normalisation();
        double scale = n == null || n.scale() == 0 ? 1.0 / 255.0 : n.scale();
        this.levels = new float[c][256];
        for (int i = 0; i < c; i++) {
            double mean = n == null || n.mean() == null ? 0 : n.mean().get(Math.min(i, n.mean().size() - 1));
            double std = n == null || n.std() == null ? 1 : n.std().get(Math.min(i, n.std().size() - 1));
            for (int v = 0; v < 256; v++) {
                levels[i][v] = (float) ((v * scale - mean) / std);
            }
        }
    }

    public int channels() {
        return input.channels();
    }

    public int width() {
        return input.width();
    }

    public int height() {
        return input.height();
    }

    /** Floats per image. */
    public int size() {
        return channels() * width() * height();
    }

    /** Where the input comes from in a {@code w x h} image. */
    public ResizeGeometry geometry(int w, int h) {
        return ResizeGeometry.of(w, h, resize, width(), height());
    }

    /**
     * Writes a grayscale uint8 image of {@code w x h} pixels (row-major) into {@code dst} at {@code offset}, resized
     * as the card says and replicated to three channels for an RGB model.
     */
    public void gray(byte[] pixels, int pixelOffset, int w, int h, float[] dst, int offset) {
        if (w == width() && h == height() && resize == 0) {
            write(pixels, pixelOffset, dst, offset, 0, channels());
            return;
        }
        write(PixelPlanes.gray(pixels, pixelOffset, w, h), dst, offset);
    }

    /** Writes any decoded image into {@code dst} at {@code offset}. */
    public void image(BufferedImage src, float[] dst, int offset) {
        write(PixelPlanes.of(src), dst, offset);
    }

    /** Writes decoded planes into {@code dst} at {@code offset}. */
    public void write(PixelPlanes image, float[] dst, int offset) {
        PixelPlanes src = channels() == 1 ? image.luma() : image;
        ResizeGeometry g = geometry(src.width(), src.height());
        boolean identity = g.resizedWidth() == src.width() && g.resizedHeight() == src.height()
                && g.width() == src.width() && g.height() == src.height();
        byte[] resized = null;
        for (int c = 0; c < channels(); c++) {
            // a gray image in an RGB model: its one plane, resized once, in every channel
            if (resized == null || !src.gray()) {
                byte[] from = src.planes()[c];
                resized = identity ? from : Resampler.resample(from, 0, src.width(), src.height(), g, interpolation);
            }
            write(resized, 0, dst, offset + c * width() * height(), c, 1);
        }
    }

    /** Normalises one plane of bytes into {@code channels} consecutive channel planes from {@code channel}. */
    private void write(byte[] pixels, int pixelOffset, float[] dst, int offset, int channel, int channels) {
        int plane = width() * height();
        for (int c = 0; c < channels; c++) {
            float[] lut = levels[channel + c];
            int to = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                dst[to + i] = lut[pixels[pixelOffset + i] & 0xff];
            }
        }
    }
}
