package io.vbpstream.core.data;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resize and centre crop against torchvision 0.14 on Pillow, recorded by
 * {@code src/test/resources/golden/preprocess/make_golden.py} (run it there with Debian's python3-torchvision to
 * rewrite them): the geometry of {@code Resize(256)} + {@code CenterCrop(224)} for odd and even sizes, and the exact
 * bytes both filters give on seeded noise, gray and RGB, cropped and squashed.
 */
class PreprocessorGoldenTest {

    private static final String DIR = "/golden/preprocess/";

    @Test
    void geometryIsTorchvisionsResizeThenCenterCrop() throws IOException {
        List<String[]> rows = rows("geometry.tsv");
        assertTrue(rows.size() >= 19, "the golden geometry has all its cases");
        for (String[] r : rows) {
            int w = Integer.parseInt(r[0]);
            int h = Integer.parseInt(r[1]);
            int resize = Integer.parseInt(r[2]);
            int crop = Integer.parseInt(r[3]);
            ResizeGeometry g = ResizeGeometry.of(w, h, resize, crop, crop);
            String c = w + "x" + h + " resize " + resize + " crop " + crop;
            assertEquals(new ResizeGeometry(Integer.parseInt(r[4]), Integer.parseInt(r[5]), Integer.parseInt(r[6]),
                    Integer.parseInt(r[7]), crop, crop), g, c);
        }
    }

    @Test
    void pixelsAreTorchvisionsToTheByte() throws Exception {
        List<String[]> rows = rows("pixels.tsv");
        assertTrue(rows.size() >= 10, "the golden pixels have all their cases");
        for (String[] r : rows) {
            int w = Integer.parseInt(r[0]);
            int h = Integer.parseInt(r[1]);
            int channels = Integer.parseInt(r[2]);
            int resize = Integer.parseInt(r[3]);
            int crop = Integer.parseInt(r[4]);
            String c = String.join(" ", r);
            byte[] got = hwc(run(noiseImage(w, h, channels), channels, resize, crop, r[5]), channels, crop);
            if (r[6].endsWith(".bin")) {
                assertArrayEquals(resource(r[6]), got, c);
            } else {
                assertEquals(r[6], HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)), c);
            }
        }
    }

    @Test
    void aRgbModelSeesAGrayImageInEveryChannelAndAGrayModelSeesPillowsLuma() {
        byte[] noise = noise(40, 30, 3);
        BufferedImage rgb = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        for (int i = 0; i < 40 * 30; i++) {
            rgb.getRaster().setPixel(i % 40, i / 40, new int[] {noise[3 * i] & 0xff, noise[3 * i + 1] & 0xff, noise[3 * i + 2] & 0xff});
        }
        float[] gray = new float[28 * 28];
        preprocessor(1, 32, 28, "bicubic").image(rgb, gray, 0);
        // the same as luma first, then the resize, written out by hand
        byte[] luma = new byte[40 * 30];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = (byte) (((noise[3 * i] & 0xff) * 19595 + (noise[3 * i + 1] & 0xff) * 38470
                    + (noise[3 * i + 2] & 0xff) * 7471 + 0x8000) >> 16);
        }
        byte[] resized = Resampler.resample(luma, 0, 40, 30, ResizeGeometry.of(40, 30, 32, 28, 28), Interpolation.BICUBIC);
        for (int i = 0; i < gray.length; i++) {
            assertEquals((resized[i] & 0xff) / 255f, gray[i], 1e-6f, "pixel " + i);
        }
        float[] three = new float[3 * 28 * 28];
        preprocessor(3, 32, 28, "bicubic").gray(luma, 0, 40, 30, three, 0);
        for (int i = 0; i < gray.length; i++) {
            assertEquals(gray[i], three[i], 0f);
            assertEquals(gray[i], three[28 * 28 + i], 0f);
            assertEquals(gray[i], three[2 * 28 * 28 + i], 0f);
        }
    }

    /** Runs the preprocessor on an image and returns its output scaled back to bytes (scale 1/255, no mean or std). */
    private static float[] run(BufferedImage img, int channels, int resize, int crop, String interpolation) {
        Preprocessor p = preprocessor(channels, resize, crop, interpolation);
        float[] out = new float[p.size()];
        p.image(img, out, 0);
        return out;
    }

    private static Preprocessor preprocessor(int channels, int resize, int crop, String interpolation) {
        return new Preprocessor(new ModelCard.Input("input", "NCHW", channels == 3 ? "rgb" : "grayscale", crop, crop,
                resize == 0 ? null : resize, resize == 0 ? null : "center", interpolation,
                new ModelCard.Normalisation(1 / 255.0, List.of(0.0), List.of(1.0))));
    }

    /** CHW floats in [0, 1] back to HWC bytes, as torchvision's PIL output is laid out. */
    private static byte[] hwc(float[] chw, int channels, int side) {
        int plane = side * side;
        byte[] out = new byte[chw.length];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < plane; i++) {
                out[i * channels + c] = (byte) Math.round(chw[c * plane + i] * 255);
            }
        }
        return out;
    }

    /** The script's noise: an LCG's bytes, row-major, channels interleaved. */
    static byte[] noise(int w, int h, int channels) {
        byte[] out = new byte[w * h * channels];
        long x = 12345;
        for (int i = 0; i < out.length; i++) {
            x = (1103515245L * x + 12345) % (1L << 31);
            out[i] = (byte) ((x >> 16) & 0xff);
        }
        return out;
    }

    private static BufferedImage noiseImage(int w, int h, int channels) {
        byte[] n = noise(w, h, channels);
        BufferedImage img = new BufferedImage(w, h, channels == 3 ? BufferedImage.TYPE_3BYTE_BGR : BufferedImage.TYPE_BYTE_GRAY);
        int[] px = new int[channels];
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < channels; c++) {
                px[c] = n[i * channels + c] & 0xff;
            }
            img.getRaster().setPixel(i % w, i / w, px);
        }
        return img;
    }

    private static List<String[]> rows(String name) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : new String(resource(name), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                rows.add(line.split("\t"));
            }
        }
        return rows;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PreprocessorGoldenTest.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IOException("no golden file " + DIR + name);
            }
            return in.readAllBytes();
        }
    }
}
