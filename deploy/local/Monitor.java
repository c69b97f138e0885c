import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local runner's eyes (JDK only, run as a single-file program: java deploy/local/Monitor.java ...).
 *
 *   ready NAME URL TIMEOUT_S LOG            waits for URL/q/health/ready; says which part failed and where its log is
 *   watch COLLECTOR PRUNER MODEL TIMEOUT_S  live progress until a pruned version is promoted, then its summary
 */
public class Monitor {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] a) throws Exception {
        if (a[0].equals("ready")) {
            ready(a[1], a[2], Long.parseLong(a[3]), a[4]);
        } else {
            watch(a[1], a[2], a[3], Long.parseLong(a[4]));
        }
    }

    static void ready(String name, String url, long timeout, String log) throws Exception {
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (status(url + "/q/health/ready") == 200) {
                System.out.printf("  %-17s ready at %s%n", name, url);
                return;
            }
            Thread.sleep(500);
        }
        System.err.printf("vbp-local: %s did not become ready in %d s; its log: %s%n", name, timeout, log);
        System.exit(3);
    }

    static void watch(String collector, String pruner, String model, long timeout) throws Exception {
        long t0 = System.nanoTime();
        double lastImages = 0;
        long lastT = t0;
        while (true) {
            HttpResponse<String> summary = get(pruner + "/models/" + model + "/summary");
            if (summary != null && summary.statusCode() == 200) {
                System.out.printf("%n%s%nstatus    %s/%n", summary.body().trim(), pruner);
                return;
            }
            long now = System.nanoTime();
            double images = sum(body(collector + "/q/metrics"), "vbp_collector_images_total");
            String pm = body(pruner + "/q/metrics");
            int blocks = count(pm, "vbp_pruner_block_converged\\{[^}]*} ");
            int converged = count(pm, "vbp_pruner_block_converged\\{[^}]*} 1\\.0");
            double minRatio = min(pm, "vbp_pruner_block_samples_ratio");
            String versions = versions(body(pruner + "/models/" + model));
            System.out.printf(Locale.ROOT, "[%4.0fs] images %,.0f (%,.0f/s) | converged %d/%d blocks, samples %.0f%% of n-min | versions %s%n",
                    (now - t0) / 1e9, images, (images - lastImages) / Math.max(1e-3, (now - lastT) / 1e9), converged, blocks,
                    100 * Math.min(1, minRatio), versions);
            lastImages = images;
            lastT = now;
            if (now - t0 > timeout * 1_000_000_000L) {
                System.err.printf("vbp-local: no pruned version was promoted in %d s; see the logs and %s/%n", timeout, pruner);
                System.exit(4);
            }
            Thread.sleep(2000);
        }
    }

    static String versions(String json) {
        StringBuilder s = new StringBuilder();
        Matcher m = Pattern.compile("\"version\":\"([^\"]+)\"[^{}]*?\"status\":\"([A-Z_]+)\"").matcher(json);
        while (m.find()) {
            s.append(s.length() == 0 ? "" : ", ").append(m.group(1)).append(' ').append(m.group(2));
        }
        return s.length() == 0 ? "none yet" : s.toString();
    }

    static double sum(String metrics, String name) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    static double min(String metrics, String name) {
        double min = Double.NaN;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                min = Double.isNaN(min) ? v : Math.min(min, v);
            }
        }
        return Double.isNaN(min) ? 0 : min;
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static String body(String url) {
        HttpResponse<String> r = get(url);
        return r == null || r.statusCode() != 200 ? "" : r.body();
    }

    static int status(String url) {
        HttpResponse<String> r = get(url);
        return r == null ? -1 : r.statusCode();
    }

    static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }
}
