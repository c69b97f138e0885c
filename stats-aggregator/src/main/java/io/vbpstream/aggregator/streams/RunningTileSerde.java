package io.vbpstream.aggregator.streams;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serde of the {@code running-comoments} store values. */
public final class RunningTileSerde implements Serde<RunningTile> {

    @Override
    public Serializer<RunningTile> serializer() {
        return (topic, value) -> value == null ? null : value.encode();
    }

    @Override
    public Deserializer<RunningTile> deserializer() {
        return (topic, bytes) -> bytes == null ? null : RunningTile.decode(bytes);
    }
}
