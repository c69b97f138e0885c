/**
 * What the services share and Kafka needs: the one definition of the topics, header names and record keys; which
 * {@code kafka.*} settings reach a client; the start-up credentials check; the record of vital threads killed by an
 * {@code Error}.
 *
 * <p>Classes: {@code Topic}, {@code TopicProvisioner}, {@code TopicManifests}, {@code TopicsConfigSource},
 * {@code VbpHeaders}, {@code MomentsKey}, {@code CoMomentsKey}, {@code KafkaClientSettings},
 * {@code KafkaCredentialsCheck}, {@code VitalThreads}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.platform;
