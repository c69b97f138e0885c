package io.vbpstream.core.stats;

/** An encoded moments record that cannot be accepted; {@link #reason()} is a short machine-readable code. */
public class MomentsFormatException extends RuntimeException {

    /** Why a record was refused. Used as the dead-letter reason by the streaming services. */
    public enum Reason {
        TRUNCATED, BAD_MAGIC, UNKNOWN_VERSION, BAD_WIDTH, NON_FINITE, NEGATIVE_M2, BAD_COUNT, TRAILING_BYTES, BAD_TILE,
        ASYMMETRIC
    }

    private final Reason reason;

    public MomentsFormatException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
