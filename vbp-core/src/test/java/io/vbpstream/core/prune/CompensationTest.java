package io.vbpstream.core.prune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CompensationTest {

    @Test
    void defaultIsLeastSquaresWithCoMomentsElseMean() {
        assertEquals(Compensation.LEAST_SQUARES, Compensation.defaultFor(true));
        assertEquals(Compensation.MEAN, Compensation.defaultFor(false));
    }

    @Test
    void idsParseBack() {
        for (Compensation c : Compensation.values()) {
            assertEquals(c, Compensation.parse(c.id()));
        }
        assertEquals("least-squares", Compensation.LEAST_SQUARES.id());
        assertThrows(IllegalArgumentException.class, () -> Compensation.parse("median"));
    }
}
