package io.vbpstream.platform.message;

/** Input offsets {@code [from, to]} (inclusive) of one partition, as listed in a moments delta's header. */
public record OffsetRange(String topic, int partition, long from, long to) {

    public OffsetRange {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad offset range " + from + ".." + to);
        }
    }

    public long count() {
        return to - from + 1;
    }
}
