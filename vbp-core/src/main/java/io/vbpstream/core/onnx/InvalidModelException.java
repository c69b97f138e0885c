package io.vbpstream.core.onnx;

/** A model that cannot be read, analysed or pruned; the message says why. */
public class InvalidModelException extends RuntimeException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
