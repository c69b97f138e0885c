package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.core.stats.MomentsFormatException;
import io.vbpstream.platform.MomentsKey;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything a delta must satisfy before it is merged: a key that parses as {@code model/version/block}, a record
 * that decodes (known version, finite values, non-negative M2, sane width and length), a count above zero, and the
 * width the store already holds for the key.
 */
public final class DeltaValidator {

    public static final String BAD_KEY = "BAD_KEY";
    public static final String ZERO_COUNT = "ZERO_COUNT";
    public static final String WIDTH_MISMATCH = "WIDTH_MISMATCH";
    /**
     * Every reason a delta can be refused with: the three above and each {@link MomentsFormatException.Reason} that a
     * moments record can raise (the tile-only ones cannot).
     */
    public static final List<String> REASONS = Stream.concat(Stream.of(BAD_KEY, ZERO_COUNT, WIDTH_MISMATCH),
            Arrays.stream(MomentsFormatException.Reason.values())
                    .filter(r -> r != MomentsFormatException.Reason.BAD_TILE && r != MomentsFormatException.Reason.ASYMMETRIC)
                    .map(Enum::name)).toList();

    private DeltaValidator() {
    }

    public static MomentsKey key(String key) {
        try {
            return MomentsKey.parse(key);
        } catch (IllegalArgumentException e) {
            throw new DeltaRejected(BAD_KEY, e.getMessage());
        }
    }

    /**
     * @param held what the store holds for the key, or null
     */
    public static Moments delta(byte[] value, RunningMoments held) {
        Moments m;
        try {
            m = MomentsCodec.decode(value);
        } catch (MomentsFormatException e) {
            throw new DeltaRejected(e.reason().name(), e.getMessage());
        }
        if (m.count() == 0) {
            throw new DeltaRejected(ZERO_COUNT, "a delta of zero samples");
        }
        if (held != null && held.moments().width() != m.width()) {
            throw new DeltaRejected(WIDTH_MISMATCH, "width " + m.width() + " but the store holds width "
                    + held.moments().width() + " for this key");
        }
        return m;
    }
}
