package io.vbpstream.aggregator.streams;

import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Forwards a refused record unchanged to a dead-letter sink, with its reason, detail and source coordinates. */
final class DeadLetters {

    private DeadLetters() {
    }

    static void forward(ProcessorContext<String, byte[]> context, Record<String, byte[]> record, DeltaRejected e, String sink) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        VbpHeaders.put(headers, VbpHeaders.DLQ_REASON, e.reason());
        VbpHeaders.put(headers, VbpHeaders.DLQ_DETAIL, e.detail());
        context.recordMetadata().ifPresent(m -> {
            VbpHeaders.put(headers, VbpHeaders.DLQ_TOPIC, m.topic());
            VbpHeaders.put(headers, VbpHeaders.DLQ_PARTITION, Integer.toString(m.partition()));
            VbpHeaders.put(headers, VbpHeaders.DLQ_OFFSET, Long.toString(m.offset()));
        });
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers), sink);
    }
}
