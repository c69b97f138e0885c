package io.vbpstream.aggregator.streams;

import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.TileGrid;
import io.vbpstream.platform.CoMomentsKey;

import java.util.List;
import java.util.Set;

/**
 * Everything a co-moment tile delta must satisfy before it is merged: a key that parses as
 * {@code model/version/block/row.column}; a record that decodes (known version, finite values, a non-negative and, on
 * diagonal tiles, symmetric diagonal); the position its key names; a count above zero; on a diagonal tile
 * {@code C_ij² ≤ C_ii·C_jj} (what a positive semi-definite matrix must satisfy); and the geometry (width, tile size)
 * the store already holds for the block.
 */
public final class TileValidator {

    public static final String BAD_KEY = DeltaValidator.BAD_KEY;
    public static final String ZERO_COUNT = DeltaValidator.ZERO_COUNT;
    public static final String WIDTH_MISMATCH = DeltaValidator.WIDTH_MISMATCH;
    public static final String KEY_MISMATCH = "KEY_MISMATCH";
    public static final String NOT_PSD = "NOT_PSD";
    /** A second copy of one tile within one delta. */
    public static final String DUPLICATE_TILE = "DUPLICATE_TILE";
    /** A valid tile of a delta another of whose tiles was refused: a delta's tiles are merged or refused together. */
    public static final String SIBLING_REFUSED = "SIBLING_REFUSED";
    /** A staged tile of a delta whose other tiles did not all arrive within the retention grace. */
    public static final String INCOMPLETE_DELTA = "INCOMPLETE_DELTA";
    /**
     * Slack of the Cauchy-Schwarz check: float32 Gram matrices are PSD only up to rounding, relative to the pair's
     * spread and, for near-constant neurons (whose variance float32 rounding can take to zero), to the tile's largest
     * variance.
     */
    private static final double PSD_SLACK = 1e-4;
    private static final double ABSOLUTE_SLACK = 1e-5;

    /** Every reason a tile can be refused with: those above and every {@code MomentsFormatException.Reason}. */
    public static final List<String> REASONS = Validation.reasons(
            List.of(BAD_KEY, ZERO_COUNT, WIDTH_MISMATCH, KEY_MISMATCH, NOT_PSD, DeltaValidator.OVERFLOW,
                    DUPLICATE_TILE, SIBLING_REFUSED, INCOMPLETE_DELTA),
            Set.of());

    private TileValidator() {
    }

    public static CoMomentsKey key(String key) {
        return Validation.key(key, CoMomentsKey::parse);
    }

    /**
     * @param geometry what the store holds for the block, or null for a block it does not hold yet
     */
    public static CoMomentsTile tile(CoMomentsKey key, byte[] value, TileGrid geometry) {
        CoMomentsTile t = Validation.decoded(value, CoMomentsCodec::decode);
        if (t.row() != key.row() || t.column() != key.column()) {
            throw new DeltaRejected(KEY_MISMATCH, "the key names tile " + key.row() + "." + key.column()
                    + " but the record holds tile " + t.row() + "." + t.column());
        }
        if (t.count() == 0) {
            throw new DeltaRejected(ZERO_COUNT, "a tile of zero samples");
        }
        TileGrid own = TileGrid.of(t);
        if (geometry != null && !geometry.equals(own)) {
            throw Validation.widthMismatch(own, geometry);
        }
        if (t.row() == t.column()) {
            requireCauchySchwarz(t);
        }
        return t;
    }

    private static void requireCauchySchwarz(CoMomentsTile t) {
        int n = t.rows();
        double[] v = t.values();
        double maxDiagonal = 0;
        for (int i = 0; i < n; i++) {
            maxDiagonal = Math.max(maxDiagonal, v[i * n + i]);
        }
        double floor = ABSOLUTE_SLACK * maxDiagonal * ABSOLUTE_SLACK * maxDiagonal;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double cij = v[i * n + j];
                double bound = v[i * n + i] * v[j * n + j];
                if (cij * cij > bound * (1 + PSD_SLACK) + floor) {
                    throw new DeltaRejected(NOT_PSD, "C[" + i + "][" + j + "]² = " + cij * cij + " exceeds C[i][i]·C[j][j] = "
                            + bound + " within tile " + t.row() + "." + t.column());
                }
            }
        }
    }
}
