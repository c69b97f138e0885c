package io.vbpstream.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads MNIST-style IDX files (optionally gzip-compressed): uint8 images {@code [n, h, w]} and uint8 labels {@code [n]}. */
public final class IdxImages {

    /** Largest pixel payload read into memory (1 GiB): a gzip bomb or a corrupt header is refused before allocating. */
    public static final long MAX_PIXEL_BYTES = 1L << 30;

    private IdxImages() {
    }

    /** Images as one row-major byte array of {@code n * height * width} pixels. */
    public record Images(int count, int height, int width, byte[] pixels) {
        public int pixelsPerImage() {
            return height * width;
        }
    }

    public static Images readImages(Path path, int limit) throws IOException {
        try (DataInputStream in = open(path)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(path + " is not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int h = in.readInt();
            int w = in.readInt();
            if (n < 0 || h <= 0 || w <= 0 || (long) h * w > 1 << 24) {
                throw new IOException(path + " has implausible dimensions " + n + "x" + h + "x" + w);
            }
            int count = limit > 0 ? Math.min(n, limit) : n;
            long bytes = (long) count * h * w;
            if (bytes > MAX_PIXEL_BYTES) {
                throw new IOException(path + " declares " + bytes + " pixel bytes, over the " + MAX_PIXEL_BYTES
                        + "-byte limit; use --limit");
            }
            byte[] pixels = in.readNBytes((int) bytes);
            if (pixels.length != bytes) {
                throw new IOException(path + " is truncated: " + pixels.length + " of " + bytes + " pixel bytes");
            }
            return new Images(count, h, w, pixels);
        }
    }

    public static int[] readLabels(Path path, int limit) throws IOException {
        try (DataInputStream in = open(path)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(path + " is not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            if (n < 0) {
                throw new IOException(path + " declares a negative label count " + n);
            }
            int count = limit > 0 ? Math.min(n, limit) : n;
            byte[] raw = in.readNBytes(count);
            if (raw.length != count) {
                throw new IOException(path + " is truncated");
            }
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        }
    }

    private static DataInputStream open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("file not found: " + path);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            raw.mark(2);
            int b1 = raw.read();
            int b2 = raw.read();
            raw.reset();
            InputStream in = (b1 == 0x1f && b2 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
            return new DataInputStream(in);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
