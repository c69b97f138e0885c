package io.vbpstream.collector.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A heap too small for the model is refused before anything is parsed, with the heap the model needs. */
class ModelLoaderHeapTest {

    @Test
    void aHeapTooSmallForTheModelIsRefusedWithTheHeapItNeeds() throws Exception {
        StoredFmnist fmnist = StoredFmnist.create();
        ModelLoader loader = new ModelLoader(fmnist.store(), fmnist.card(), 1, 8, io.vbpstream.core.cost.HeapBudget.GRAM_ROWS, 256L << 20);
        ModelRefusedException e = assertThrows(ModelRefusedException.class, () -> loader.load(fmnist.version()));
        assertEquals(ModelRefusedException.Reason.HEAP_TOO_SMALL, e.reason());
        assertTrue(e.getMessage().contains("needs a heap of at least 512m"), e.getMessage());
        assertTrue(e.getMessage().contains("this JVM has 256m"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx512m"), e.getMessage());
    }
}
