package io.vbpstream.collector.model;

/** A model version that will not be served; {@link #reason()} labels the refusal metric. */
public class ModelRefusedException extends RuntimeException {

    public enum Reason {
        /** The store has no file at the version's address. */
        MISSING,
        /** The file's sha256 is not the one the version names. */
        HASH_MISMATCH,
        /** The address is not a store address. */
        INVALID_URI,
        /** The file is not a model the collector can serve (unparseable, no MLP blocks, wrong input). */
        UNUSABLE,
        /** The store could not be read. */
        IO,
        /** This JVM's heap is smaller than the model needs ({@link io.vbpstream.core.cost.HeapBudget}). */
        HEAP_TOO_SMALL
    }

    private final Reason reason;

    public ModelRefusedException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
