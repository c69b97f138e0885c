package io.vbpstream.platform.message;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;

/** Record header names, defined once. Values are UTF-8 strings. */
public final class VbpHeaders {

    /** Image media type: {@code image/png} or {@code image/jpeg}. */
    public static final String CONTENT_TYPE = "content-type";
    /** Optional ground-truth class of an image (index or name). */
    public static final String LABEL = "label";

    /** Why a record was dead-lettered: an enum name such as {@code UNDECODABLE}. */
    public static final String DLQ_REASON = "vbp-dlq-reason";
    /** Human-readable detail of the dead-letter reason. */
    public static final String DLQ_DETAIL = "vbp-dlq-detail";
    public static final String DLQ_TOPIC = "vbp-dlq-topic";
    public static final String DLQ_PARTITION = "vbp-dlq-partition";
    public static final String DLQ_OFFSET = "vbp-dlq-offset";

    /** Moments delta: images it covers. */
    public static final String IMAGES = "vbp-images";
    /** Moments delta: JSON array of {@link OffsetRange} it covers. */
    public static final String OFFSETS = "vbp-offsets";
    /** Moments delta: the collector instance that published it. */
    public static final String COLLECTOR = "vbp-collector";
    /** Moments delta: sha256 of the model file that produced it. */
    public static final String MODEL_SHA256 = "vbp-model-sha256";
    /** A {@code layer-statistics} or {@code layer-comoments} record: how many deltas its totals merge. */
    public static final String DELTAS = "vbp-deltas";

    private VbpHeaders() {
    }

    /** The last value of header {@code name}, or null. */
    public static String get(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static void put(Headers headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
