package io.vbpstream.replayer;

import io.vbpstream.core.data.IdxImages;
import io.vbpstream.core.data.ImageSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Locale;

/** What the replayer sends: each image's record value, its content type and its label (-1: none). */
interface ImageSource {

    int count();

    byte[] bytes(int i);

    String contentType(int i);

    int label(int i);

    /**
     * An IDX file (with {@code labels} the label file, or {@code none}) or a folder of PNG/JPEG files, whose labels come
     * from class-index sub-folders; at most {@code limit} images (0: all). A folder's files are sent in a seeded
     * shuffle of their path order (the same every run), not class by class as the paths sort: traffic that arrives
     * one class at a time would give every window, and the gate's recent images, one class.
     */
    static ImageSource open(Path images, String labels, int limit) throws IOException {
        if (Files.isDirectory(images)) {
            ImageSet.DirectoryImageSet folder = (ImageSet.DirectoryImageSet) ImageSet.open(images, null, 0);
            Integer[] order = new Integer[folder.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Collections.shuffle(Arrays.asList(order), new Random(20261204L));
            int n = limit > 0 ? Math.min(limit, order.length) : order.length;
            List<Path> files = new ArrayList<>(n);
            int[] l = folder.labels() == null ? null : new int[n];
            for (int i = 0; i < n; i++) {
                files.add(folder.files().get(order[i]));
                if (l != null) {
                    l[i] = folder.labels()[order[i]];
                }
            }
            return new Folder(files, l);
        }
        IdxImages.Images set = IdxImages.readImages(images, limit);
        int[] l = "none".equals(labels) ? null : IdxImages.readLabels(Path.of(labels), set.count());
        return new Idx(set, l);
    }

    /** An IDX file's images, each encoded as a lossless gray PNG. */
    record Idx(IdxImages.Images images, int[] labels) implements ImageSource {
        @Override
        public int count() {
            return images.count();
        }

        @Override
        public byte[] bytes(int i) {
            return TrafficReplayer.png(images, i);
        }

        @Override
        public String contentType(int i) {
            return "image/png";
        }

        @Override
        public int label(int i) {
            return labels == null ? -1 : labels[i];
        }
    }

    /** A folder's files, sent byte for byte. */
    record Folder(List<Path> files, int[] labels) implements ImageSource {
        @Override
        public int count() {
            return files.size();
        }

        @Override
        public byte[] bytes(int i) {
            try {
                return Files.readAllBytes(files.get(i));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + files.get(i), e);
            }
        }

        @Override
        public String contentType(int i) {
            return files.get(i).getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png") ? "image/png" : "image/jpeg";
        }

        @Override
        public int label(int i) {
            return labels == null ? -1 : labels[i];
        }
    }
}
