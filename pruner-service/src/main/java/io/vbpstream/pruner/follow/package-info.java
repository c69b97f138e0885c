/**
 * Read {@code model-versions}, {@code layer-statistics} and {@code layer-comoments} from their start (no group); the
 * view holds the tiles only, gives each block's count once its tiles agree and assembles matrices on demand.
 *
 * <p>Classes: {@code CompactedTopicFollower}, {@code TopicFollowers} (the three followers, started and closed together,
 * tombstones removing keys), {@code VersionRegistry}, {@code StatisticsView}, {@code CoMomentsView}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.pruner.follow;
