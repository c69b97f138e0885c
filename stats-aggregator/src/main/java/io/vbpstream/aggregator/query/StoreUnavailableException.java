package io.vbpstream.aggregator.query;

/** The answer cannot be given right now (rebalancing, restoring, owner unreachable): HTTP 503 with the reason. */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String reason) {
        super(reason);
    }

    public StoreUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
