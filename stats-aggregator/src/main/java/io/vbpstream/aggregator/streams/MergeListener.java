package io.vbpstream.aggregator.streams;

import io.vbpstream.platform.MomentsKey;

/** What the merge processor reports, for metrics. */
public interface MergeListener {

    /** A delta of {@code key} was merged; it was created {@code lagMs} before. */
    void merged(MomentsKey key, RunningMoments totals, long lagMs);

    void rejected(String reason);

    MergeListener NONE = new MergeListener() {
        @Override
        public void merged(MomentsKey key, RunningMoments totals, long lagMs) {
        }

        @Override
        public void rejected(String reason) {
        }
    };
}
