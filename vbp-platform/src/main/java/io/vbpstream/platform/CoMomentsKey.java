package io.vbpstream.platform;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key of an {@code activation-comoments} or {@code layer-comoments} record: {@code model/version/block/row.column},
 * one upper-triangular tile of a block's co-moment matrix. Every tile of a block is sent to the partition of the
 * block's {@link MomentsKey} ({@link #partition(int)}), so one task merges a block's tiles in the order they were
 * produced, and a block's tiles stay consistent with each other in the store.
 */
public record CoMomentsKey(MomentsKey block, int row, int column) {

    private static final Pattern TILE = Pattern.compile("(\\d{1,5})\\.(\\d{1,5})");

    public CoMomentsKey {
        if (block == null) {
            throw new IllegalArgumentException("missing block");
        }
        if (row < 0 || column < row) {
            throw new IllegalArgumentException("tile " + row + "." + column + " is not in the upper triangle");
        }
    }

    /** Parses {@code model/version/block/row.column}; throws {@link IllegalArgumentException} saying what is wrong. */
    public static CoMomentsKey parse(String key) {
        if (key == null) {
            throw new IllegalArgumentException("missing key");
        }
        int slash = key.lastIndexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("key '" + key + "' is not model/version/block/row.column");
        }
        Matcher m = TILE.matcher(key.substring(slash + 1));
        if (!m.matches()) {
            throw new IllegalArgumentException("key '" + key + "' does not end in a tile row.column");
        }
        return new CoMomentsKey(MomentsKey.parse(key.substring(0, slash)), Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)));
    }

    /** The partition of the block's key among {@code partitions}, as Kafka's default partitioner would choose it. */
    public int partition(int partitions) {
        return Utils.toPositive(Utils.murmur2(block.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public String toString() {
        return block + "/" + row + "." + column;
    }
}
