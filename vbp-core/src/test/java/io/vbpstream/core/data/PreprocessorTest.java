package io.vbpstream.core.data;

import io.vbpstream.core.TestSupport;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessorTest {

    @Test
    void idxAndPngOfTheSameImageGiveTheSameTensor() throws IOException {
        ModelCard card = ModelCard.besideModel(TestSupport.fmnistModel());
        Preprocessor pre = new Preprocessor(card.input());
        ImageSet idx = ImageSet.open(TestSupport.testImages(), TestSupport.testLabels(), 3);
        assertEquals(3, idx.size());
        assertEquals(9, idx.label(0), "the first Fashion-MNIST test image is an ankle boot");
        float[] fromIdx = new float[784];
        idx.write(1, pre, fromIdx, 0);

        IdxImages.Images raw = IdxImages.readImages(TestSupport.testImages(), 3);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(raw.pixels(), 784, 1568));
        float[] fromPng = new float[784];
        pre.image(new ImageDecoder(ImageDecoder.Limits.DEFAULT).decode(ImageDecoderTest.encode(img, "png"), "image/png"), fromPng, 0);
        assertArrayEquals(fromIdx, fromPng, 1e-6f);
        // (pixel / 255 - mean) / std at a black pixel
        double mean = card.input().normalisation().mean().get(0);
        double std = card.input().normalisation().std().get(0);
        assertEquals((0 - mean) / std, fromIdx[0], 1e-6);
    }

    @Test
    void folderOfPngsReadsLikeTheIdxFileWithLabelsFromSubfolders(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        ImageSet idx = ImageSet.open(TestSupport.testImages(), TestSupport.testLabels(), 4);
        IdxImages.Images raw = IdxImages.readImages(TestSupport.testImages(), 4);
        for (int i = 0; i < 4; i++) {
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(raw.pixels(), i * 784, (i + 1) * 784));
            Path classDir = Files.createDirectories(dir.resolve(Integer.toString(idx.label(i))));
            Files.write(classDir.resolve("img" + i + ".png"), ImageDecoderTest.encode(img, "png"));
        }
        ImageSet folder = ImageSet.open(dir, null, 0);
        assertEquals(4, folder.size());
        assertTrue(folder.hasLabels());
        // files are read in path order: map each back to its IDX index by name
        for (int k = 0; k < 4; k++) {
            float[] a = new float[784];
            folder.write(k, pre, a, 0);
            int i = -1;
            for (int j = 0; j < 4; j++) {
                float[] b = new float[784];
                idx.write(j, pre, b, 0);
                if (java.util.Arrays.equals(a, b)) {
                    i = j;
                }
            }
            assertTrue(i >= 0, "folder image " + k + " matches an IDX image");
            assertEquals(idx.label(i), folder.label(k));
        }
        Files.write(dir.resolve("9").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5});
        ImageSet withBroken = ImageSet.open(dir, null, 0);
        int broken = -1;
        for (int k = 0; k < withBroken.size(); k++) {
            try {
                withBroken.write(k, pre, new float[784], 0);
            } catch (IOException e) {
                assertTrue(e.getMessage().contains("broken.png") && e.getMessage().contains("UNDECODABLE"), e.getMessage());
                broken = k;
            }
        }
        assertTrue(broken >= 0, "the corrupt file is reported");
    }

    @Test
    void resizesLargerColourImages() throws IOException {
        Preprocessor pre = new Preprocessor(ModelCard.besideModel(TestSupport.fmnistModel()).input());
        BufferedImage big = new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 56; y++) {
            for (int x = 0; x < 56; x++) {
                big.setRGB(x, y, x < 28 ? 0xffffff : 0x000000);
            }
        }
        float[] out = new float[784];
        pre.image(big, out, 0);
        assertTrue(out[28 * 10 + 2] > out[28 * 10 + 25], "left half white, right half black");
    }

    @Test
    void aCardWhosePreprocessingCannotBeAppliedIsRefusedNamingTheField(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        String base = "{\"input\": {\"name\": \"input\", \"layout\": \"NCHW\", \"color\": \"rgb\", \"width\": 224, \"height\": 224%s}}";
        Path card = dir.resolve("model.json");
        Files.writeString(card, String.format(base, ", \"resize\": 256, \"crop\": \"center\", \"interpolation\": \"bicubic\""));
        ModelCard ok = ModelCard.read(card);
        assertEquals(256, ok.input().resize());
        assertEquals(new ResizeGeometry(341, 256, 58, 16, 224, 224), new Preprocessor(ok.input()).geometry(500, 375));
        for (String[] bad : new String[][] {
                {", \"interpolation\": \"lanczos\"", "interpolation 'lanczos'"},
                {", \"resize\": 200", "input.resize 200 is smaller"},
                {", \"resize\": 256, \"crop\": \"random\"", "input.crop 'random'"},
                {", \"crop\": \"center\"", "input.crop needs input.resize"}}) {
            Files.writeString(card, String.format(base, bad[0]));
            IOException e = assertThrows(IOException.class, () -> ModelCard.read(card));
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    @Test
    void aStripTooLongToResizeIsRefusedAndTransparencyIsDroppedNotCompositedOverBlack() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResizeGeometry.of(1, 16_000_000, 256, 224, 224));
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
        BufferedImage argb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00ff8000); // fully transparent orange
        argb.setRGB(1, 0, 0x80ffffff);
        PixelPlanes p = PixelPlanes.of(argb);
        assertEquals(3, p.planes().length);
        assertEquals(0xff, p.planes()[0][0] & 0xff);
        assertEquals(0x80, p.planes()[1][0] & 0xff);
        assertEquals(0x00, p.planes()[2][0] & 0xff);
        assertEquals(0xff, p.planes()[2][1] & 0xff);
        // a translated sub-image reads its own pixels
        BufferedImage big = new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR);
        big.setRGB(2, 3, 0x102030);
        PixelPlanes sub = PixelPlanes.of(big.getSubimage(1, 2, 3, 2));
        assertEquals(0x10, sub.planes()[0][3 + 1] & 0xff);
        assertEquals(0x30, sub.planes()[2][3 + 1] & 0xff);
    }

    @Test
    void truncatedOrWrongIdxFilesAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path truncated = dir.resolve("t.idx");
        Files.write(truncated, new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3});
        assertThrows(IOException.class, () -> IdxImages.readImages(truncated, 0));
        assertThrows(IOException.class, () -> IdxImages.readImages(TestSupport.testLabels(), 0), "labels are not images");
        assertThrows(IOException.class, () -> ImageSet.open(dir.resolve("missing"), null, 0));
        // a header declaring 2^31 - 1 images of 4096 x 4096 is refused before anything is allocated
        Path huge = dir.resolve("huge.idx");
        Files.write(huge, new byte[] {0, 0, 8, 3, 0x7f, -1, -1, -1, 0, 0, 16, 0, 0, 0, 16, 0});
        IOException e = assertThrows(IOException.class, () -> IdxImages.readImages(huge, 0));
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
    }
}
