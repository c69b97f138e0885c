package io.vbpstream.core.store;

/** An artifact that cannot be stored or served; {@link #reason()} says why, for logs and metrics. */
public class ModelStoreException extends RuntimeException {

    public enum Reason {
        INVALID_URI, MISSING, HASH_MISMATCH, IO
    }

    private final Reason reason;

    public ModelStoreException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public ModelStoreException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
