package io.vbpstream.collector.pipeline;

import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.CoMomentsCodec;
import io.vbpstream.core.stats.CoMomentsTile;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.core.stats.MomentsCodec;
import io.vbpstream.platform.CoMomentsKey;
import io.vbpstream.platform.MomentsKey;
import io.vbpstream.platform.Topic;
import io.vbpstream.platform.message.Messages;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.platform.message.OffsetRange;
import io.vbpstream.platform.message.Prediction;
import io.vbpstream.platform.message.VbpHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The records a collector's transaction holds, built from values alone (no clients, no clock, no I/O): a window's
 * moments deltas, a publication's co-moment tiles, one prediction per image, and the dead letter of a refused one.
 * The loop sends what this builds; the tests read it directly.
 *
 * <p>Both kinds of delta carry the same four headers: the images they cover, those images' offset ranges, the
 * collector that measured them and the model file's sha256. The aggregator names and checks a delta by them.
 */
public final class WindowRecords {

    /** Room left in a dead-letter record for headers; a payload bigger than the topic allows minus this is dropped. */
    static final int DLQ_HEADER_ROOM = 64 << 10;
    /** A dead letter's key is cut to this many characters when the original was over the key limit. */
    static final int DLQ_KEY_CHARS = 256;
    /** A dead letter's detail is cut to this many characters. */
    static final int DLQ_DETAIL_CHARS = 1024;

    private final String collector;
    private final int topK;
    private final ImageIntake.RecordLimits limits;

    /**
     * @param collector the instance id written into every delta
     * @param topK      classes per prediction
     * @param limits    the key and header limits a dead letter is cut to
     */
    public WindowRecords(String collector, int topK, ImageIntake.RecordLimits limits) {
        this.collector = collector;
        this.topK = topK;
        this.limits = limits;
    }

    /**
     * One moments delta per block of a closed window, keyed {@code model/version/block}, to {@code activation-moments}.
     * Returns how many were built.
     */
    public int momentsDeltas(ModelVersion version, long images, List<OffsetRange> offsets, Map<String, Moments> blocks,
                             Consumer<ProducerRecord<String, byte[]>> out) {
        String ranges = Messages.writeString(offsets);
        int n = 0;
        for (Map.Entry<String, Moments> e : blocks.entrySet()) {
            MomentsKey key = new MomentsKey(version.model(), version.version(), e.getKey());
            out.accept(new ProducerRecord<>(Topic.ACTIVATION_MOMENTS.topicName(), null, key.toString(),
                    MomentsCodec.encode(e.getValue()), deltaHeaders(version, images, ranges)));
            n++;
        }
        return n;
    }

    /**
     * A publication's co-moment matrices as tiles of side {@code tileSize}, each to its block's partition of
     * {@code partitions} (so one aggregator task merges all of a block's tiles, in order). Returns the tiles built.
     */
    public int coMomentTiles(ModelVersion version, long images, List<OffsetRange> offsets,
                             Map<String, CoMoments> blocks, int tileSize, int partitions,
                             Consumer<ProducerRecord<String, byte[]>> out) {
        String ranges = Messages.writeString(offsets);
        int n = 0;
        for (Map.Entry<String, CoMoments> e : blocks.entrySet()) {
            MomentsKey block = new MomentsKey(version.model(), version.version(), e.getKey());
            for (CoMomentsTile tile : e.getValue().tiles(tileSize)) {
                CoMomentsKey key = new CoMomentsKey(block, tile.row(), tile.column());
                out.accept(new ProducerRecord<>(Topic.ACTIVATION_COMOMENTS.topicName(), key.partition(partitions),
                        key.toString(), CoMomentsCodec.encode(tile), deltaHeaders(version, images, ranges)));
                n++;
            }
        }
        return n;
    }

    private Headers deltaHeaders(ModelVersion version, long images, String ranges) {
        Headers headers = new RecordHeaders();
        VbpHeaders.put(headers, VbpHeaders.IMAGES, Long.toString(images));
        VbpHeaders.put(headers, VbpHeaders.OFFSETS, ranges);
        VbpHeaders.put(headers, VbpHeaders.COLLECTOR, collector);
        VbpHeaders.put(headers, VbpHeaders.MODEL_SHA256, version.sha256());
        return headers;
    }

    /**
     * The prediction for {@code image}, from the logits of its row ({@code classes} values from {@code offset}), keyed
     * as the image was, to {@code predictions}.
     *
     * @param nowMillis the wall clock when it is built (its age is measured from the image's timestamp)
     */
    public ProducerRecord<String, byte[]> prediction(ConsumerRecord<String, byte[]> image, ModelVersion version,
                                                     float[] logits, int offset, int classes, IntFunction<String> label,
                                                     double inferenceMs, int batchSize, long nowMillis) {
        Prediction p = new Prediction(Prediction.SCHEMA, image.key(), version.model(), version.version(),
                TopK.of(logits, offset, classes, topK, label), VbpHeaders.get(image.headers(), VbpHeaders.LABEL),
                inferenceMs, batchSize, Math.max(0, nowMillis - image.timestamp()),
                new Prediction.Source(image.topic(), image.partition(), image.offset()));
        return new ProducerRecord<>(Topic.PREDICTIONS.topicName(), image.key(), Messages.write(p));
    }

    /**
     * The refused record for {@code images.dlq}, made to fit whatever it carried: a key over the limit cut to
     * {@value #DLQ_KEY_CHARS} characters, headers over the limit left out, the detail cut to {@value #DLQ_DETAIL_CHARS}
     * characters, and a payload that would not fit beside them left out (it stays in {@code images} until retention).
     * The reason, the detail and the record's coordinates always go in as headers.
     */
    public ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> image, ImageIntake.Refusal refusal) {
        Headers headers = ImageIntake.headerBytes(image.headers()) > limits.maxHeaderBytes() ? new RecordHeaders()
                : new RecordHeaders(image.headers().toArray());
        String key = image.key() != null && image.serializedKeySize() > limits.maxKeyBytes()
                ? image.key().substring(0, Math.min(DLQ_KEY_CHARS, image.key().length())) : image.key();
        String detail = refusal.detail().length() > DLQ_DETAIL_CHARS
                ? refusal.detail().substring(0, DLQ_DETAIL_CHARS) + "..." : refusal.detail();
        VbpHeaders.put(headers, VbpHeaders.DLQ_REASON, refusal.reason());
        VbpHeaders.put(headers, VbpHeaders.DLQ_DETAIL, detail);
        VbpHeaders.put(headers, VbpHeaders.DLQ_TOPIC, image.topic());
        VbpHeaders.put(headers, VbpHeaders.DLQ_PARTITION, Integer.toString(image.partition()));
        VbpHeaders.put(headers, VbpHeaders.DLQ_OFFSET, Long.toString(image.offset()));
        byte[] value = image.value();
        if (value != null && value.length > Topic.IMAGES_DLQ.maxMessageBytes() - DLQ_HEADER_ROOM) {
            value = null;
        }
        return new ProducerRecord<>(Topic.IMAGES_DLQ.topicName(), null, key, value, headers);
    }
}
