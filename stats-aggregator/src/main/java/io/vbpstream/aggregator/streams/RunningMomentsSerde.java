package io.vbpstream.aggregator.streams;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serde of the {@code running-moments} store values. */
public final class RunningMomentsSerde implements Serde<RunningMoments> {

    @Override
    public Serializer<RunningMoments> serializer() {
        return (topic, value) -> value == null ? null : value.encode();
    }

    @Override
    public Deserializer<RunningMoments> deserializer() {
        return (topic, bytes) -> bytes == null ? null : RunningMoments.decode(bytes);
    }
}
