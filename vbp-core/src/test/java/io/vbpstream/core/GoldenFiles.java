package io.vbpstream.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Golden files of binary formats, under {@code /golden/} on the test class path ({@code src/test/resources/golden}
 * of the module). A test encodes fixed values and asserts the bytes equal the committed file's. Run with
 * {@code -Dvbp.golden.write=src/test/resources/golden} (the module's folder is the tests' working directory) to write
 * the files instead, after a deliberate format change; each module's golden test names its own command.
 */
public final class GoldenFiles {

    private static final String WRITE = System.getProperty("vbp.golden.write");

    private GoldenFiles() {
    }

    /**
     * The committed golden file {@code name} of {@code owner}'s module, asserted equal to {@code encoded}; with
     * {@code -Dvbp.golden.write=DIR}, {@code encoded} is written there instead and returned.
     */
    public static byte[] check(Class<?> owner, String name, byte[] encoded) throws IOException {
        if (WRITE != null) {
            Files.createDirectories(Path.of(WRITE));
            Files.write(Path.of(WRITE, name), encoded);
            return encoded;
        }
        try (InputStream in = owner.getResourceAsStream("/golden/" + name)) {
            assertNotNull(in, "golden file golden/" + name + " is missing: regenerate it (see " + owner.getSimpleName() + ")");
            byte[] golden = in.readAllBytes();
            assertArrayEquals(golden, encoded, name + ": the encoding is no longer the one the golden file holds");
            return golden;
        }
    }
}
