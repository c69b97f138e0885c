package io.vbpstream.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium, as .ci/run installs it, with the flags that keep it off the network (this machine's
 * network is closed: background services would only fail).
 */
final class Chromium {

    private Chromium() {
    }

    static String dumpDom(String url, Path work) throws Exception {
        return new String(run(work, "--dump-dom", url), StandardCharsets.UTF_8);
    }

    static void screenshot(String url, Path png, Path work) throws Exception {
        screenshot(url, png, work, 1280, 1600);
    }

    /** A screenshot of a {@code width x height} window. */
    static void screenshot(String url, Path png, Path work, int width, int height) throws Exception {
        run(work, "--screenshot=" + png, "--window-size=" + width + "," + height, url);
        if (!Files.exists(png)) {
            throw new IllegalStateException("chromium wrote no screenshot to " + png);
        }
    }

    private static byte[] run(Path work, String... args) throws Exception {
        Path binary = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("/usr/bin/chromium is missing: apt-get install chromium (.ci/run does)");
        }
        Path profile = Files.createTempDirectory(work.toAbsolutePath(), "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(work.resolve("chromium.log").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("chromium exited with " + p.exitValue() + "; see " + work.resolve("chromium.log"));
        }
        return out;
    }
}
