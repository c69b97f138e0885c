package io.vbpstream.platform;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The answer of an expensive, unauthenticated query (a status page, a listing that asks every instance), computed at
 * most once per {@code ttl}: however often it is requested, the work behind it is bounded. Concurrent requests while
 * it is computed wait for that one computation. A failure is not remembered: the next request computes again.
 */
public final class CachedAnswer<T> {

    private final long ttlNanos;
    private final LongSupplier clock;
    private T value;
    private long computedAt;
    private boolean present;

    public CachedAnswer(Duration ttl) {
        this(ttl, System::nanoTime);
    }

    /** With {@code clock} giving nanoseconds, for tests. */
    public CachedAnswer(Duration ttl, LongSupplier clock) {
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
    }

    public synchronized T get(Supplier<T> compute) {
        long now = clock.getAsLong();
        if (!present || now - computedAt >= ttlNanos) {
            value = compute.get();
            computedAt = now;
            present = true;
        }
        return value;
    }
}
