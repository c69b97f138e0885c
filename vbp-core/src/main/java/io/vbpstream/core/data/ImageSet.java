package io.vbpstream.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A finite, indexed set of images (optionally labelled) that can be written into a model's input tensor. */
public interface ImageSet {

    int size();

    /** Class labels, one per image, or null when the set is unlabelled. */
    int[] labels();

    /** The class label of image {@code i}, or -1 if unknown. */
    default int label(int i) {
        return labels() == null ? -1 : labels()[i];
    }

    default boolean hasLabels() {
        return labels() != null;
    }

    /** Preprocesses image {@code i} into {@code dst} starting at {@code offset}. */
    void write(int i, Preprocessor p, float[] dst, int offset) throws IOException;

    /**
     * Opens an IDX file (gzip or raw) or a folder of PNG/JPEG files. For IDX, {@code labels} may name the matching
     * label file; for a folder, images in sub-folders named by a class index (0, 1, ...) get that label.
     */
    static ImageSet open(Path images, Path labels, int limit) throws IOException {
        if (Files.isDirectory(images)) {
            return DirectoryImageSet.scan(images, limit);
        }
        IdxImages.Images idx = IdxImages.readImages(images, limit);
        int[] l = labels == null ? null : IdxImages.readLabels(labels, limit);
        if (l != null && l.length != idx.count()) {
            throw new IOException("label file has " + l.length + " labels for " + idx.count() + " images");
        }
        return new IdxImageSet(idx, l);
    }

    /** Images held in an IDX file. */
    record IdxImageSet(IdxImages.Images images, int[] labels) implements ImageSet {
        @Override
        public int size() {
            return images.count();
        }

        @Override
        public void write(int i, Preprocessor p, float[] dst, int offset) {
            p.gray(images.pixels(), i * images.pixelsPerImage(), images.width(), images.height(), dst, offset);
        }
    }

    /** PNG/JPEG files in a folder tree, sorted by path. */
    record DirectoryImageSet(List<Path> files, int[] labels, ImageDecoder decoder) implements ImageSet {
        static DirectoryImageSet scan(Path dir, int limit) throws IOException {
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(Files::isRegularFile)
                        .filter(f -> f.getFileName().toString().toLowerCase().matches(".*\\.(png|jpe?g)"))
                        .sorted()
                        .limit(limit > 0 ? limit : Long.MAX_VALUE)
                        .toList();
            }
            if (files.isEmpty()) {
                throw new IOException("no .png or .jpg images under " + dir);
            }
            int[] labels = new int[files.size()];
            boolean all = true;
            for (int i = 0; i < files.size(); i++) {
                String parent = files.get(i).getParent().getFileName().toString();
                labels[i] = parent.matches("\\d{1,4}") && !files.get(i).getParent().equals(dir) ? Integer.parseInt(parent) : -1;
                all &= labels[i] >= 0;
            }
            return new DirectoryImageSet(files, all ? labels : null, new ImageDecoder(ImageDecoder.Limits.DEFAULT));
        }

        @Override
        public int size() {
            return files.size();
        }

        @Override
        public void write(int i, Preprocessor p, float[] dst, int offset) throws IOException {
            try {
                p.image(decoder.decode(Files.readAllBytes(files.get(i)), null), dst, offset);
            } catch (RejectedImageException e) {
                throw new IOException(files.get(i) + ": " + e.getMessage(), e);
            }
        }
    }
}
