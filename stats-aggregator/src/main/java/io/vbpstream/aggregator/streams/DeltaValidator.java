package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.core.stats.MomentsFormatException;
import io.vbpstream.platform.MomentsKey;

import java.util.EnumSet;
import java.util.List;

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
     * A delta that is valid on its own but whose merge with the stored totals would leave them unrepresentable: a
     * count past {@code Long.MAX_VALUE}, a mean or M2 past float64's range (for tiles: past float32's, their storage).
     */
    public static final String OVERFLOW = "OVERFLOW";
    /**
     * Every reason a delta can be refused with: the four above and each {@link MomentsFormatException.Reason} that a
     * moments record can raise (the tile-only ones cannot).
     */
    public static final List<String> REASONS = Validation.reasons(
            List.of(BAD_KEY, ZERO_COUNT, WIDTH_MISMATCH, OVERFLOW),
            EnumSet.of(MomentsFormatException.Reason.BAD_TILE, MomentsFormatException.Reason.ASYMMETRIC));

    private DeltaValidator() {
    }

    public static MomentsKey key(String key) {
        return Validation.key(key, MomentsKey::parse);
    }

    /**
     * @param held what the store holds for the key, or null
     */
    public static Moments delta(byte[] value, RunningMoments held) {
        Moments m = Validation.decoded(value, MomentsCodec::decode);
        if (m.count() == 0) {
            throw new DeltaRejected(ZERO_COUNT, "a delta of zero samples");
        }
        if (held != null && held.moments().width() != m.width()) {
            throw Validation.widthMismatch("width " + m.width(), "width " + held.moments().width() + " for this key");
        }
        return m;
    }

    /**
     * Merges {@code delta} into what the store holds (or starts from it), refusing as {@link #OVERFLOW} a result the
     * store could not hold and every later read would trip over.
     */
    public static RunningMoments merged(String key, RunningMoments held, Moments delta, long at) {
        return Validation.merged(key, () -> held == null ? RunningMoments.first(delta, at) : held.merge(delta, at),
                DeltaValidator::nonFinite);
    }

    /** What of {@code merged} float64 cannot hold (its first neuron with a mean or M2 out of range), or null. */
    private static String nonFinite(RunningMoments merged) {
        Moments m = merged.moments();
        for (int j = 0; j < m.width(); j++) {
            if (!Double.isFinite(m.mean(j)) || !Double.isFinite(m.m2(j))) {
                return "neuron " + j + " would have mean " + m.mean(j) + " and M2 " + m.m2(j);
            }
        }
        return null;
    }
}
