package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.MomentsFormatException;
import io.vbpstream.core.stats.TileGrid;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The refusals {@link DeltaValidator} and {@link TileValidator} (and {@link DeltaMerge}) share, written once: a key
 * that does not parse, a record that does not decode, a width the store does not hold, a merge the store could not
 * hold, and the list of every reason a validator refuses with.
 */
final class Validation {

    private Validation() {
    }

    /**
     * Every reason a validator refuses with: its {@code own}, then the name of each
     * {@link MomentsFormatException.Reason} but those in {@code cannotRaise}.
     */
    static List<String> reasons(List<String> own, Set<MomentsFormatException.Reason> cannotRaise) {
        return Stream.concat(own.stream(), Arrays.stream(MomentsFormatException.Reason.values())
                .filter(r -> !cannotRaise.contains(r)).map(Enum::name)).toList();
    }

    /** {@code key} as {@code parse} reads it, or refused as {@code BAD_KEY} with the parser's message. */
    static <K> K key(String key, Function<String, K> parse) {
        try {
            return parse.apply(key);
        } catch (IllegalArgumentException e) {
            throw new DeltaRejected(DeltaValidator.BAD_KEY, e.getMessage());
        }
    }

    /** {@code value} as {@code decode} reads it, or refused with the format reason {@code decode} raised. */
    static <T> T decoded(byte[] value, Function<byte[], T> decode) {
        try {
            return decode.apply(value);
        } catch (MomentsFormatException e) {
            throw new DeltaRejected(e.reason().name(), e.getMessage());
        }
    }

    /**
     * The refusal of a delta whose width differs from the one the store holds: {@code delta} (phrased "width ...") but
     * the store holds {@code held} (the same).
     */
    static DeltaRejected widthMismatch(String delta, String held) {
        return new DeltaRejected(DeltaValidator.WIDTH_MISMATCH, delta + " but the store holds " + held);
    }

    /** The refusal of a tile delta of geometry {@code delta} for a block the store holds in geometry {@code held}. */
    static DeltaRejected widthMismatch(TileGrid delta, TileGrid held) {
        return widthMismatch(geometry(delta), geometry(held));
    }

    private static String geometry(TileGrid g) {
        return "width " + g.width() + " in tiles of " + g.tileSize();
    }

    /**
     * What {@code merge} returns (a delta merged into what the store holds for {@code key}, or its first value),
     * refused as {@code OVERFLOW} if the merge throws (the merged count past {@code Long.MAX_VALUE}) or
     * {@code unrepresentable} names what of the result the store could not hold (null: nothing).
     */
    static <T> T merged(String key, Supplier<T> merge, Function<T, String> unrepresentable) {
        T merged;
        try {
            merged = merge.get();
        } catch (IllegalArgumentException e) {
            throw new DeltaRejected(DeltaValidator.OVERFLOW, "merged into " + key + ": " + e.getMessage());
        }
        String why = unrepresentable.apply(merged);
        if (why != null) {
            throw new DeltaRejected(DeltaValidator.OVERFLOW, "merged into " + key + ", " + why);
        }
        return merged;
    }
}
