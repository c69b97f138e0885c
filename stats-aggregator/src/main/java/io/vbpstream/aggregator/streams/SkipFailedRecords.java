package io.vbpstream.aggregator.streams;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kafka Streams' {@code processing.exception.handler}: an exception a processor did not expect (every refusal it does
 * expect is dead-lettered by the processors themselves) skips that one record, with an error log naming its source
 * coordinates, instead of killing the stream thread and crash-looping on the same record after every restart. Counted
 * in {@code vbp_aggregator_records_skipped_total}. Kafka Streams creates the handler by its class name, so the count
 * is held here for the metrics to read.
 */
public final class SkipFailedRecords implements ProcessingExceptionHandler {

    private static final Logger LOG = Logger.getLogger(SkipFailedRecords.class);
    private static final AtomicLong SKIPPED = new AtomicLong();

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, org.apache.kafka.streams.processor.api.Record<?, ?> record,
                                            Exception exception) {
        SKIPPED.incrementAndGet();
        LOG.errorf(exception, "skipped the record at %s-%d offset %d (processor %s, task %s) after an unexpected %s",
                context.topic(), context.partition(), context.offset(), context.processorNodeId(), context.taskId(),
                exception.getClass().getSimpleName());
        return ProcessingHandlerResponse.CONTINUE;
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }

    /** Records skipped since the process started. */
    public static long skipped() {
        return SKIPPED.get();
    }
}
