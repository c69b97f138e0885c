package io.vbpstream.aggregator.streams;

import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;

/** What the merge processor reports, for metrics. */
public interface MergeListener {

    /** A delta of {@code key} was merged; it was created {@code lagMs} before. */
    void merged(MomentsKey key, RunningMoments totals, long lagMs);

    void rejected(String reason);

    /** A co-moment tile delta was merged; it was created {@code lagMs} before. */
    default void tileMerged(CoMomentsKey key, long lagMs) {
    }

    default void tileRejected(String reason) {
    }

    /** At an emission: changed blocks held back because their tiles do not all cover the same samples yet. */
    default void blocksAwaitingTiles(int blocks) {
    }

    /** {@code keys} of retired versions deleted from {@code store} (and tombstoned downstream). */
    default void keysRetired(String store, java.util.List<String> keys) {
    }

    /** A delta (or tile) for a retired version, dropped rather than merged into state that was deleted. */
    default void retiredDeltaDropped(String store) {
    }

    MergeListener NONE = new MergeListener() {
        @Override
        public void merged(MomentsKey key, RunningMoments totals, long lagMs) {
        }

        @Override
        public void rejected(String reason) {
        }
    };
}
