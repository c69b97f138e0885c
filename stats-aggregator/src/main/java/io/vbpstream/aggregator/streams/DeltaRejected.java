package io.vbpstream.aggregator.streams;

/** A moments delta that must not reach the store; {@link #reason()} becomes the dead-letter header and metric tag. */
public final class DeltaRejected extends RuntimeException {

    private final String reason;

    public DeltaRejected(String reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    public String detail() {
        String m = getMessage();
        return m.substring(m.indexOf(": ") + 2);
    }
}
