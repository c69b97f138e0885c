package io.vbpstream.replayer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageSourceTest {

    @Test
    void aFolderIsSentFileByFileWithItsTypeAndTheClassOfItsSubFolder(@TempDir Path dir) throws IOException {
        byte[] jpeg = encode("jpeg");
        byte[] png = encode("png");
        Files.write(Files.createDirectories(dir.resolve("3")).resolve("b.JPG"), jpeg);
        Files.write(Files.createDirectories(dir.resolve("0")).resolve("a.png"), png);
        Files.writeString(dir.resolve("0").resolve("notes.txt"), "not an image");
        ImageSource source = ImageSource.open(dir, "ignored for a folder", 0);
        assertEquals(2, source.count());
        int p = source.contentType(0).equals("image/png") ? 0 : 1;
        assertArrayEquals(png, source.bytes(p));
        assertEquals("image/png", source.contentType(p));
        assertEquals(0, source.label(p));
        assertArrayEquals(jpeg, source.bytes(1 - p));
        assertEquals("image/jpeg", source.contentType(1 - p));
        assertEquals(3, source.label(1 - p));
        assertEquals(1, ImageSource.open(dir, null, 1).count(), "the limit");
    }

    @Test
    void aFolderIsSentInTheSameShuffleEveryRunNotClassByClass(@TempDir Path dir) throws IOException {
        byte[] png = encode("png");
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < 25; i++) {
                Files.write(Files.createDirectories(dir.resolve(Integer.toString(c))).resolve(i + ".png"), png);
            }
        }
        ImageSource a = ImageSource.open(dir, null, 0);
        ImageSource b = ImageSource.open(dir, null, 0);
        int[] perClass = new int[4];
        for (int i = 0; i < 100; i++) {
            assertEquals(a.label(i), b.label(i), "the same order every run");
            if (i < 20) {
                perClass[a.label(i)]++;
            }
        }
        for (int c = 0; c < 4; c++) {
            assertTrue(perClass[c] > 0, "class " + c + " is among the first 20 of 100 images");
        }
    }

    @Test
    void aFolderWithoutClassSubFoldersHasNoLabelsAndAnEmptyOneIsRefused(@TempDir Path dir) throws IOException {
        assertThrows(IOException.class, () -> ImageSource.open(dir, null, 0));
        Files.write(dir.resolve("x.jpeg"), encode("jpeg"));
        assertEquals(-1, ImageSource.open(dir, null, 0).label(0));
    }

    private static byte[] encode(String format) throws IOException {
        BufferedImage img = new BufferedImage(12, 9, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(3, 4, 0xff8000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }
}
