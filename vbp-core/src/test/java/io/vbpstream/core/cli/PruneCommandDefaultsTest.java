package io.vbpstream.core.cli;

import io.vbpstream.core.prune.PruningPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class PruneCommandDefaultsTest {

    @Test
    void optionsLeftOutTakeThePolicyDefaults() {
        PruneCommand c = new PruneCommand();
        new CommandLine(c).parseArgs("--model", "m.onnx", "--ratio", "0.5", "--out", "o.onnx");
        assertEquals("variance", c.criterion);
        assertEquals(0L, c.seed);
        assertEquals(1, c.widthMultiple);
        assertEquals(PruningPolicy.DEFAULT_MIN_KEEP, c.minKeep);
        assertEquals(PruningPolicy.DEFAULT_RIDGE, c.ridge);
        assertFalse(c.global, "uniform allocation unless --global");
        assertNull(c.compensation, "compensation chosen by Compensation.defaultFor once the statistics are read");
    }
}
