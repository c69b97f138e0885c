/**
 * What the three services' meters share: the common {@code application} and {@code model} tags (a bean:
 * {@code vbp-platform} is a bean archive), and a Kafka client's own metrics bound as {@code kafka_consumer_*} and
 * {@code kafka_producer_*}.
 *
 * <p>Classes: {@code CommonTags}, {@code KafkaClientBinder}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.platform.observe;
