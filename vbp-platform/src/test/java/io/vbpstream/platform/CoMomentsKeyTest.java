package io.vbpstream.platform;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CoMomentsKeyTest {

    @Test
    void roundTrips() {
        CoMomentsKey k = CoMomentsKey.parse("fmnist-vit/g1-abc/mlp5/2.11");
        assertEquals(new CoMomentsKey(new MomentsKey("fmnist-vit", "g1-abc", "mlp5"), 2, 11), k);
        assertEquals("fmnist-vit/g1-abc/mlp5/2.11", k.toString());
        assertEquals(k, CoMomentsKey.parse(k.toString()));
    }

    @Test
    void refusesKeysThatDoNotParse() {
        for (String bad : new String[] {"", "a/b/c", "a/b/c/", "a/b/c/1", "a/b/c/1.", "a/b/c/.1", "a/b/c/1.0",
            "a/b/c/-1.2", "a/b/c/1.2.3", "a/b/c/x.y", "a/b/c/1.2/", "a b/1/mlp0/0.0", "a/1/mlp0/0.0\n",
            "../1/mlp0/0.0", "a/b/c/123456.123456"}) {
            assertThrows(IllegalArgumentException.class, () -> CoMomentsKey.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> CoMomentsKey.parse(null));
    }

    @Test
    void everyTileOfABlockGoesWhereTheBlocksMomentsGo() {
        for (String block : new String[] {"fmnist-vit/base/mlp0", "fmnist-vit/base/mlp1", "deit/g3-0123456789ab/mlp11"}) {
            // the partition Kafka's default partitioner gives the block's moments key
            int expected = BuiltInPartitioner.partitionForKey(block.getBytes(StandardCharsets.UTF_8), 6);
            for (int row = 0; row < 3; row++) {
                for (int column = row; column < 3; column++) {
                    assertEquals(expected, CoMomentsKey.parse(block + "/" + row + "." + column).partition(6));
                }
            }
        }
    }
}
