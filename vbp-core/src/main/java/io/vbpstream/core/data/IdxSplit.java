package io.vbpstream.core.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Splits an IDX image/label pair into two halves written as raw IDX files ({@code images.idx}, {@code labels.idx}). */
public final class IdxSplit {

    private IdxSplit() {
    }

    public static void split(Path images, Path labels, int first, Path firstDir, Path secondDir) throws IOException {
        IdxImages.Images all = IdxImages.readImages(images, 0);
        int[] l = IdxImages.readLabels(labels, 0);
        if (first <= 0 || first >= all.count()) {
            throw new IllegalArgumentException("split point " + first + " outside 1.." + (all.count() - 1));
        }
        write(all, l, 0, first, firstDir);
        write(all, l, first, all.count(), secondDir);
    }

    private static void write(IdxImages.Images all, int[] labels, int from, int to, Path dir) throws IOException {
        Files.createDirectories(dir);
        int px = all.pixelsPerImage();
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve("images.idx"))))) {
            out.writeInt(0x00000803);
            out.writeInt(to - from);
            out.writeInt(all.height());
            out.writeInt(all.width());
            out.write(all.pixels(), from * px, (to - from) * px);
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve("labels.idx"))))) {
            out.writeInt(0x00000801);
            out.writeInt(to - from);
            for (int i = from; i < to; i++) {
                out.writeByte(labels[i]);
            }
        }
    }
}
