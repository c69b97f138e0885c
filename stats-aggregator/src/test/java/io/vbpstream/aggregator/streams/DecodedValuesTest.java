package io.vbpstream.aggregator.streams;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DecodedValuesTest {

    @Test
    void aHitCostsNoStoreReadAndAMissReadsTheStore() {
        Map<String, String> store = new HashMap<>(Map.of("a", "stored-a", "b", "stored-b"));
        int[] reads = new int[1];
        DecodedValues<String> d = new DecodedValues<>(8);
        d.put("a", "decoded-a");
        assertEquals("decoded-a", d.get("a", k -> { reads[0]++; return store.get(k); }));
        assertEquals(0, reads[0]);
        assertEquals("stored-b", d.get("b", k -> { reads[0]++; return store.get(k); }));
        assertEquals(1, reads[0]);
        assertNull(d.get("c", store::get));
        d.remove("a");
        assertEquals("stored-a", d.get("a", store::get), "a dropped key is read from the store again");
    }

    @Test
    void theLeastRecentlyUsedKeyGoesFirst() {
        DecodedValues<String> d = new DecodedValues<>(2);
        d.put("a", "1");
        d.put("b", "2");
        d.get("a", k -> null); // a is now the most recent
        d.put("c", "3");
        assertEquals(2, d.size());
        assertEquals("1", d.get("a", k -> "store"));
        assertEquals("store", d.get("b", k -> "store"), "b was the least recently used");
        d.clear();
        assertEquals(0, d.size());
        assertThrows(IllegalArgumentException.class, () -> new DecodedValues<String>(0));
    }
}
