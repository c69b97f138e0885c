package io.vbpstream.core.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Turns images into the float tensor a model expects, as its {@link ModelCard} says: size, grayscale or RGB, and
 * {@code (pixel * scale - mean) / std} per channel, laid out CHW.
 */
public final class Preprocessor {

    private final ModelCard.Input input;
    private final double scale;
    private final double[] mean;
    private final double[] std;

    public Preprocessor(ModelCard.Input input) {
        this.input = input;
        int c = input.channels();
        ModelCard.Normalisation n = input.normalisation();
        this.scale = n == null || n.scale() == 0 ? 1.0 / 255.0 : n.scale();
        this.mean = new double[c];
        this.std = new double[c];
        for (int i = 0; i < c; i++) {
            mean[i] = n == null || n.mean() == null ? 0 : n.mean().get(Math.min(i, n.mean().size() - 1));
            std[i] = n == null || n.std() == null ? 1 : n.std().get(Math.min(i, n.std().size() - 1));
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

    /**
     * Writes a grayscale uint8 image of {@code w x h} pixels (row-major) into {@code dst} at {@code offset}. It is
     * resized if the model expects another size and replicated to three channels for an RGB model.
     */
    public void gray(byte[] pixels, int pixelOffset, int w, int h, float[] dst, int offset) {
        if (w == width() && h == height()) {
            int plane = w * h;
            for (int c = 0; c < channels(); c++) {
                for (int i = 0; i < plane; i++) {
                    dst[offset + c * plane + i] = normalise(pixels[pixelOffset + i] & 0xff, c);
                }
            }
            return;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, w, h, java.util.Arrays.copyOfRange(pixels, pixelOffset, pixelOffset + w * h));
        image(img, dst, offset);
    }

    /** Writes any decoded image into {@code dst} at {@code offset}, resizing and converting colour as needed. */
    public void image(BufferedImage src, float[] dst, int offset) {
        boolean gray = src.getRaster().getNumBands() == 1 && src.getColorModel().getPixelSize() == 8;
        BufferedImage img = src;
        if (src.getWidth() != width() || src.getHeight() != height()) {
            // gray stays gray: drawing gray into RGB (or reading it with getRGB) applies a colour-space conversion
            img = new BufferedImage(width(), height(), gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, width(), height(), null);
            g.dispose();
        }
        int plane = width() * height();
        java.awt.image.Raster raster = img.getRaster();
        for (int y = 0; y < height(); y++) {
            for (int x = 0; x < width(); x++) {
                int i = y * width() + x;
                if (gray) {
                    int v = raster.getSample(x, y, 0);
                    for (int c = 0; c < channels(); c++) {
                        dst[offset + c * plane + i] = normalise(v, c);
                    }
                    continue;
                }
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels() == 1) {
                    // ITU-R BT.601 luma
                    dst[offset + i] = (float) (((0.299 * r + 0.587 * g + 0.114 * b) * scale - mean[0]) / std[0]);
                } else {
                    dst[offset + i] = normalise(r, 0);
                    dst[offset + plane + i] = normalise(g, 1);
                    dst[offset + 2 * plane + i] = normalise(b, 2);
                }
            }
        }
    }

    private float normalise(int value, int channel) {
        return (float) ((value * scale - mean[channel]) / std[channel]);
    }
}
