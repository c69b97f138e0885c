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
        // sorted by path: 0/a.png, then 3/b.JPG
        assertArrayEquals(png, source.bytes(0));
        assertEquals("image/png", source.contentType(0));
        assertEquals(0, source.label(0));
        assertArrayEquals(jpeg, source.bytes(1));
        assertEquals("image/jpeg", source.contentType(1));
        assertEquals(3, source.label(1));
        assertEquals(1, ImageSource.open(dir, null, 1).count(), "the limit");
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
