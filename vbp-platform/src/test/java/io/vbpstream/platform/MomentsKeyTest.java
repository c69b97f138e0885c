package io.vbpstream.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MomentsKeyTest {

    @Test
    void roundTrips() {
        MomentsKey k = MomentsKey.parse("fmnist-vit/3/mlp5");
        assertEquals(new MomentsKey("fmnist-vit", "3", "mlp5"), k);
        assertEquals("fmnist-vit/3/mlp5", k.toString());
        assertEquals(k, MomentsKey.parse(k.toString()));
    }

    @Test
    void refusesKeysThatDoNotParse() {
        for (String bad : new String[] {"", "a/b", "a/b/c/d", "a//c", "/b/c", "a/b/", "a b/1/mlp0", "a/1/mlp0\n",
            "x".repeat(129) + "/1/m", "../1/mlp0/", "../1/mlp0", "m/./mlp0"}) {
            assertThrows(IllegalArgumentException.class, () -> MomentsKey.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> MomentsKey.parse(null));
    }
}
