package io.vbpstream.core.data;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/**
 * A decoded image as 8-bit planes: one for gray, three (R, G, B) for colour, alpha dropped as Pillow's
 * {@code convert("RGB")} drops it. The decoders' usual layouts (8-bit gray, interleaved BGR and ABGR bytes) are read
 * straight from the raster's bytes; any other (a palette, 16 bits, packed ints) is read as sRGB rows (alpha dropped)
 * or, for gray without alpha, drawn once into 8-bit gray.
 *
 * @param planes one or three planes of {@code width x height} bytes, row-major
 */
public record PixelPlanes(int width, int height, byte[][] planes) {

    public boolean gray() {
        return planes.length == 1;
    }

    /** The planes of {@code img}. */
    public static PixelPlanes of(BufferedImage img) {
        PixelPlanes direct = fromBytes(img);
        if (direct != null) {
            return direct;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        if (img.getColorModel().getNumColorComponents() == 1 && !img.getColorModel().hasAlpha()) {
            BufferedImage copy = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = copy.createGraphics();
            try {
                g.drawImage(img, 0, 0, null);
            } finally {
                g.dispose();
            }
            return fromBytes(copy);
        }
        // any other layout: sRGB rows, not premultiplied, alpha dropped (drawing would composite it over black)
        byte[][] planes = new byte[3][w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                planes[0][i] = (byte) (row[x] >> 16);
                planes[1][i] = (byte) (row[x] >> 8);
                planes[2][i] = (byte) row[x];
            }
        }
        return new PixelPlanes(w, h, planes);
    }

    /** One gray plane, copied from {@code pixels} at {@code offset}. */
    public static PixelPlanes gray(byte[] pixels, int offset, int width, int height) {
        return new PixelPlanes(width, height, new byte[][] {java.util.Arrays.copyOfRange(pixels, offset, offset + width * height)});
    }

    /** The planes read from 8-bit component bytes, or null when the image is laid out otherwise. */
    private static PixelPlanes fromBytes(BufferedImage img) {
        Raster raster = img.getRaster();
        if (!(img.getColorModel() instanceof ComponentColorModel cm) || !(raster.getDataBuffer() instanceof DataBufferByte buffer)
                || !(raster.getSampleModel() instanceof ComponentSampleModel sm) || buffer.getNumBanks() != 1) {
            return null;
        }
        int colours = cm.getNumColorComponents();
        int type = cm.getColorSpace().getType();
        boolean known = (colours == 1 && type == ColorSpace.TYPE_GRAY) || (colours == 3 && cm.getColorSpace().isCS_sRGB());
        for (int bits : cm.getComponentSize()) {
            known &= bits == 8;
        }
        if (!known) {
            return null;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] data = buffer.getData();
        int[] bandOffsets = sm.getBandOffsets();
        int pixelStride = sm.getPixelStride();
        int scanline = sm.getScanlineStride();
        int base = buffer.getOffset() - raster.getSampleModelTranslateY() * scanline
                - raster.getSampleModelTranslateX() * pixelStride;
        byte[][] planes = new byte[colours][w * h];
        for (int c = 0; c < colours; c++) {
            byte[] plane = planes[c];
            int band = bandOffsets[c];
            for (int y = 0; y < h; y++) {
                int src = base + y * scanline + band;
                int dst = y * w;
                if (pixelStride == 1) {
                    System.arraycopy(data, src, plane, dst, w);
                    continue;
                }
                for (int x = 0; x < w; x++, src += pixelStride) {
                    plane[dst + x] = data[src];
                }
            }
        }
        return new PixelPlanes(w, h, planes);
    }

    /** Pillow's {@code convert("L")}: {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}, ITU-R 601-2 luma. */
    public PixelPlanes luma() {
        if (gray()) {
            return this;
        }
        byte[] r = planes[0];
        byte[] g = planes[1];
        byte[] b = planes[2];
        byte[] l = new byte[r.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (byte) (((r[i] & 0xff) * 19595 + (g[i] & 0xff) * 38470 + (b[i] & 0xff) * 7471 + 0x8000) >> 16);
        }
        return new PixelPlanes(width, height, new byte[][] {l});
    }
}
