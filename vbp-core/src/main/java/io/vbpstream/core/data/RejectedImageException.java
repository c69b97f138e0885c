package io.vbpstream.core.data;

/** An image that is refused before inference; {@link #reason()} is the dead-letter reason. */
public class RejectedImageException extends RuntimeException {

    public enum Reason {
        UNDECODABLE, UNSUPPORTED_CONTENT_TYPE, TOO_LARGE_BYTES, TOO_LARGE_PIXELS, WRONG_CHANNELS
    }

    private final Reason reason;

    public RejectedImageException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
