package io.vbpstream.platform;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CachedAnswerTest {

    @Test
    void computesAtMostOncePerTtlAndNeverRemembersAFailure() {
        AtomicLong now = new AtomicLong();
        AtomicInteger computed = new AtomicInteger();
        CachedAnswer<Integer> answer = new CachedAnswer<>(Duration.ofSeconds(1), now::get);
        for (int i = 0; i < 1000; i++) {
            assertEquals(1, answer.get(computed::incrementAndGet), "a thousand requests inside one second");
        }
        now.addAndGet(Duration.ofMillis(999).toNanos());
        assertEquals(1, answer.get(computed::incrementAndGet));
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertEquals(2, answer.get(computed::incrementAndGet), "a second later: computed again");
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThrows(IllegalStateException.class, () -> answer.get(() -> {
            throw new IllegalStateException("the broker is away");
        }));
        assertEquals(3, answer.get(computed::incrementAndGet), "the failure was not cached");
        assertEquals(3, computed.get());
    }
}
