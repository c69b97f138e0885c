package io.vbpstream.platform.message;

/** A control message that cannot be read; {@link #reason()} names the kind of fault for dead-letter headers and metrics. */
public class MessageFormatException extends RuntimeException {

    public enum Reason {
        /** Not JSON, or JSON of the wrong shape. */
        MALFORMED,
        /** A {@code schema} this build does not know. */
        UNKNOWN_SCHEMA,
        /** Well-formed, but a field is missing or out of range. */
        INVALID_FIELD
    }

    private final Reason reason;

    public MessageFormatException(Reason reason, String message) {
        this(reason, message, null);
    }

    public MessageFormatException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
