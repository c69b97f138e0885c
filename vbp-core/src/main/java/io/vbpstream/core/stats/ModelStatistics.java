package io.vbpstream.core.stats;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Activation moments of every MLP block of one model, as gathered by {@code vbp stats} or the streaming aggregator.
 *
 * <p>File format (big-endian): magic "VBPS", version byte (1, or 2 with co-moment matrices), model sha256 (UTF),
 * images (int64), block count (int32), then per block its name (UTF), the length of its {@link MomentsCodec} record
 * (int32) and the record. Version 2 continues with the number of blocks that have a co-moment matrix (int32) and per
 * block its name (UTF), its tile count (int32) and each tile as its length (int32) and {@link CoMomentsCodec} record.
 * A file without co-moment matrices is written as version 1.
 */
public final class ModelStatistics {

    private static final int MAGIC = 0x56425053; // "VBPS"
    private static final byte VERSION = 1;
    private static final byte VERSION_WITH_COMOMENTS = 2;
    /** Tile side in files; 256 keeps each tile under a megabyte. */
    private static final int FILE_TILE = 256;

    private final String modelSha256;
    private long images;
    private final Map<String, Moments> blocks = new LinkedHashMap<>();
    private final Map<String, CoMoments> coMoments = new LinkedHashMap<>();

    public ModelStatistics(String modelSha256) {
        this.modelSha256 = modelSha256;
    }

    public String modelSha256() {
        return modelSha256;
    }

    public long images() {
        return images;
    }

    public void addImages(long n) {
        images += n;
    }

    /** The accumulator for a block, created empty on first use. */
    public Moments block(String name, int width) {
        Moments m = blocks.computeIfAbsent(name, k -> Moments.empty(width));
        if (m.width() != width) {
            throw new IllegalArgumentException("block " + name + " has width " + m.width() + ", not " + width);
        }
        return m;
    }

    public Moments get(String name) {
        Moments m = blocks.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no statistics for block '" + name + "'; have " + blocks.keySet());
        }
        return m;
    }

    public Map<String, Moments> blocks() {
        return Collections.unmodifiableMap(blocks);
    }

    /** The co-moment accumulator of a block, created empty on first use. */
    public CoMoments coMoments(String name, int width) {
        CoMoments c = coMoments.computeIfAbsent(name, k -> CoMoments.empty(width));
        if (c.width() != width) {
            throw new IllegalArgumentException("block " + name + " has width " + c.width() + ", not " + width);
        }
        return c;
    }

    public boolean hasCoMoments(String name) {
        return coMoments.containsKey(name);
    }

    public CoMoments coMoments(String name) {
        CoMoments c = coMoments.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no co-moment matrix for block '" + name + "'; have " + coMoments.keySet());
        }
        return c;
    }

    /** Sets a block's co-moment matrix (from the streamed tiles, say). */
    public void putCoMoments(String name, CoMoments c) {
        coMoments.put(name, c);
    }

    /** Merges another set of statistics for the same model into this one. */
    public ModelStatistics merge(ModelStatistics other) {
        if (!other.modelSha256.equals(modelSha256)) {
            throw new IllegalArgumentException("statistics are for different models");
        }
        images += other.images;
        other.blocks.forEach((k, v) -> block(k, v.width()).merge(v));
        other.coMoments.forEach((k, v) -> coMoments(k, v.width()).merge(v));
        return this;
    }

    public void write(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = Files.createTempFile(path.toAbsolutePath().getParent(), path.getFileName().toString(), ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(MAGIC);
            out.writeByte(coMoments.isEmpty() ? VERSION : VERSION_WITH_COMOMENTS);
            out.writeUTF(modelSha256);
            out.writeLong(images);
            out.writeInt(blocks.size());
            for (Map.Entry<String, Moments> e : blocks.entrySet()) {
                byte[] rec = MomentsCodec.encode(e.getValue());
                out.writeUTF(e.getKey());
                out.writeInt(rec.length);
                out.write(rec);
            }
            if (!coMoments.isEmpty()) {
                out.writeInt(coMoments.size());
                for (Map.Entry<String, CoMoments> e : coMoments.entrySet()) {
                    out.writeUTF(e.getKey());
                    List<CoMomentsTile> tiles = e.getValue().tiles(FILE_TILE);
                    out.writeInt(tiles.size());
                    for (CoMomentsTile t : tiles) {
                        byte[] rec = CoMomentsCodec.encode(t);
                        out.writeInt(rec.length);
                        out.write(rec);
                    }
                }
            }
        }
        Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static ModelStatistics read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("statistics file not found: " + path);
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(path + " is not a vbp statistics file (bad magic)");
            }
            byte version = in.readByte();
            if (version != VERSION && version != VERSION_WITH_COMOMENTS) {
                throw new IOException(path + " has statistics format version " + version + "; this build reads "
                        + VERSION + " and " + VERSION_WITH_COMOMENTS);
            }
            ModelStatistics stats = new ModelStatistics(in.readUTF());
            stats.images = in.readLong();
            int n = in.readInt();
            if (stats.images < 0 || n < 0) {
                throw new IOException(path + " declares " + stats.images + " images and " + n + " blocks");
            }
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                int len = in.readInt();
                if (len < 0 || len > MomentsCodec.encodedSize(MomentsCodec.MAX_WIDTH)) {
                    throw new IOException(path + ": block " + name + " has a record length of " + len);
                }
                byte[] rec = in.readNBytes(len);
                if (rec.length != len) {
                    throw new EOFException(path + " is truncated in block " + name);
                }
                if (stats.blocks.containsKey(name)) {
                    throw new IOException(path + " holds block " + name + " twice");
                }
                try {
                    stats.blocks.put(name, MomentsCodec.decode(rec));
                } catch (MomentsFormatException e) {
                    throw new IOException(path + ", block " + name + ": " + e.getMessage(), e);
                }
            }
            if (version == VERSION_WITH_COMOMENTS) {
                readCoMoments(in, path, stats);
            }
            if (in.read() != -1) {
                throw new IOException(path + " has trailing bytes after " + n + " blocks");
            }
            return stats;
        }
    }

    private static void readCoMoments(DataInputStream in, Path path, ModelStatistics stats) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > stats.blocks.size()) {
            throw new IOException(path + " declares co-moment matrices for " + n + " blocks");
        }
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            int count = in.readInt();
            if (count <= 0 || count > 1 << 20) {
                throw new IOException(path + ": block " + name + " has " + count + " tiles");
            }
            List<CoMomentsTile> tiles = new ArrayList<>();
            for (int t = 0; t < count; t++) {
                int len = in.readInt();
                if (len < 0 || len > 16 << 20) {
                    throw new IOException(path + ": a tile of block " + name + " has a length of " + len);
                }
                byte[] rec = in.readNBytes(len);
                if (rec.length != len) {
                    throw new EOFException(path + " is truncated in the co-moments of block " + name);
                }
                try {
                    tiles.add(CoMomentsCodec.decode(rec));
                } catch (MomentsFormatException e) {
                    throw new IOException(path + ", co-moments of block " + name + ": " + e.getMessage(), e);
                }
            }
            try {
                stats.coMoments.put(name, CoMoments.fromTiles(tiles));
            } catch (IllegalArgumentException e) {
                throw new IOException(path + ", co-moments of block " + name + ": " + e.getMessage(), e);
            }
        }
    }
}
