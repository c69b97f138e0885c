package io.vbpstream.aggregator.streams;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A processor's decoded copies of store values, so a hot key's value is not decoded again from the store at every
 * record: the most recently used {@code maxKeys} keys (an LRU map; 256 keys of DeiT-Base's width 3072 hold 12 MB).
 * Only a copy: the processor writes every change to the store as well, and drops a key (or all) whenever the store
 * could hold something else. A miss reads the store.
 */
final class DecodedValues<V> {

    /** Keys kept by default: a few models' versions of 12-24 blocks. */
    static final int DEFAULT_KEYS = 256;

    private final Map<String, V> values;

    DecodedValues(int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("at least one key, got " + maxKeys);
        }
        this.values = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** The decoded value of {@code key}, or what {@code store} holds for it (null for none); a hit costs no decode. */
    V get(String key, Function<String, V> store) {
        V v = values.get(key);
        return v != null ? v : store.apply(key);
    }

    /** Keeps {@code value}, just written to the store, as the decoded value of {@code key}. */
    void put(String key, V value) {
        values.put(key, value);
    }

    void remove(String key) {
        values.remove(key);
    }

    void clear() {
        values.clear();
    }

    int size() {
        return values.size();
    }
}
