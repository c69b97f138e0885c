/**
 * Settings; the topics Kafka Streams waits for, from {@code Topic}; every {@code kafka.*} client setting handed to
 * Kafka Streams as {@code kafka-streams.*} (the rule of {@code KafkaClientSettings}).
 *
 * <p>Classes: {@code AggregatorConfig} ({@code vbp.aggregator.*}), {@code TopicConfigSource},
 * {@code StreamsClientSettings}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator;
