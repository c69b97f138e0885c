/**
 * What the services share and Kafka needs: the one definition of the topics and record keys; which {@code kafka.*}
 * settings reach a client; readers of whole topics without a group; the start-up credentials check; the record of
 * vital threads killed by an {@code Error}; answers computed at most once per interval.
 *
 * <p>Classes: {@code Topic}, {@code TopicProvisioner}, {@code TopicManifests}, {@code TopicsConfigSource} (base of the
 * collector's and the aggregator's config sources), {@code MomentsKey}, {@code CoMomentsKey},
 * {@code KafkaClientSettings}, {@code AssignedReaders}, {@code KafkaCredentialsCheck}, {@code KafkaCredentialsGuard}
 * (the check at start-up, a bean in every service), {@code VitalThreads}, {@code CachedAnswer}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.platform;
