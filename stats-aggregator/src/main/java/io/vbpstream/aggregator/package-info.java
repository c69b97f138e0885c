/**
 * Settings; the topics Kafka Streams waits for, from {@code Topic}.
 *
 * <p>Classes: {@code AggregatorConfig} ({@code vbp.aggregator.*}), {@code TopicConfigSource}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.aggregator;
