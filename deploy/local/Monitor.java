import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local runner's eyes (JDK only, run as a single-file program: java deploy/local/Monitor.java ...).
 *
 *   ready NAME URL TIMEOUT_S LOG            waits for URL/q/health/ready; says which part failed and where its log is
 *   await COLLECTOR N TIMEOUT_S            waits until the collector has taken N images (run or dead-lettered)
 *   watch COLLECTOR PRUNER MODEL TIMEOUT_S [first|final FINAL_TARGET]
 *                                          live progress and a line per promoted or rejected generation, until the
 *                                          first pruned version is promoted (first) or a promoted version reaches the
 *                                          final MACs reduction against the base (final), then the summary
 */
public class Monitor {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] a) throws Exception {
        if (a[0].equals("ready")) {
            ready(a[1], a[2], Long.parseLong(a[3]), a[4]);
        } else if (a[0].equals("await")) {
            long deadline = System.nanoTime() + Long.parseLong(a[3]) * 1_000_000_000L;
            while (taken(a[1]) < Double.parseDouble(a[2]) && System.nanoTime() < deadline) {
                Thread.sleep(1000);
            }
        } else {
            boolean untilFinal = a.length > 5 && a[5].equals("final");
            watch(a[1], a[2], a[3], Long.parseLong(a[4]), untilFinal, untilFinal ? Double.parseDouble(a[6]) : 0);
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

    static void watch(String collector, String pruner, String model, long timeout, boolean untilFinal, double finalTarget)
            throws Exception {
        long t0 = System.nanoTime();
        double lastImages = 0;
        long lastT = t0;
        Set<String> reported = new HashSet<>();
        while (true) {
            String json = body(pruner + "/models/" + model);
            if (generations(json, reported, untilFinal ? finalTarget : -1)) {
                HttpResponse<String> summary = get(pruner + "/models/" + model + "/summary");
                if (summary != null && summary.statusCode() == 200) {
                    System.out.printf("%n%s%nstatus    %s/%n", summary.body().trim(), pruner);
                    return;
                }
            }
            long now = System.nanoTime();
            double images = sum(body(collector + "/q/metrics"), "vbp_collector_images_total");
            String pm = body(pruner + "/q/metrics");
            int blocks = count(pm, "vbp_pruner_block_converged\\{[^}]*} ");
            int converged = count(pm, "vbp_pruner_block_converged\\{[^}]*} 1\\.0");
            double minRatio = min(pm, "vbp_pruner_block_samples_ratio");
            System.out.printf(Locale.ROOT, "[%4.0fs] images %,.0f (%,.0f/s) | converged %d/%d blocks, samples %.0f%% of n-min | versions %s%n",
                    (now - t0) / 1e9, images, (images - lastImages) / Math.max(1e-3, (now - lastT) / 1e9), converged, blocks,
                    100 * Math.min(1, minRatio), versions(json));
            lastImages = images;
            lastT = now;
            if (now - t0 > timeout * 1_000_000_000L) {
                System.err.printf("vbp-local: %s in %d s; see the logs and %s/%n", untilFinal
                        ? String.format(Locale.ROOT, "no promoted version reached the final target (%.0f%% fewer MACs)", 100 * finalTarget)
                        : "no pruned version was promoted", timeout, pruner);
                System.exit(4);
            }
            Thread.sleep(2000);
        }
    }

    /**
     * Prints a line for each promoted or rejected generation not yet in {@code reported}, in generation order, and says
     * whether the run is done: a promoted pruned version exists and (with {@code finalTarget >= 0}) a promoted one
     * has at least that MACs reduction against the base.
     */
    @SuppressWarnings("unchecked")
    static boolean generations(String json, Set<String> reported, double finalTarget) {
        if (json.isEmpty()) {
            return false;
        }
        Map<String, Object> summary;
        try {
            summary = (Map<String, Object>) new Json(json).value();
        } catch (RuntimeException e) {
            return false; // a partial or odd answer: asked again in 2 s
        }
        List<Map<String, Object>> versions = new ArrayList<>((List<Map<String, Object>>) summary.get("versions"));
        versions.sort(java.util.Comparator.comparingDouble(v -> num(v, "generation")));
        double baseParams = Double.NaN;
        double bestReduction = -1;
        for (Map<String, Object> v : versions) {
            Map<String, Object> p = (Map<String, Object>) v.get("pruning");
            Map<String, Object> g = (Map<String, Object>) v.get("validation");
            String status = String.valueOf(v.get("status"));
            if (p == null || num(v, "generation") < 1) {
                continue;
            }
            if (num(v, "generation") == 1) {
                baseParams = num(p, "params") / (1 - num(p, "paramsReduction"));
            }
            double macs = num(p, "macs") / num(p, "baseMacs");
            if (status.equals("PROMOTED")) {
                bestReduction = Math.max(bestReduction, 1 - macs);
            }
            if (g == null || !(status.equals("PROMOTED") || status.equals("REJECTED") || status.equals("ROLLED_BACK"))
                    || !reported.add(String.valueOf(v.get("version")))) {
                continue;
            }
            System.out.printf(Locale.ROOT, "generation %d  %-10s %-8s MACs %.3f, params %.3f of the base | agreement %.4f, accuracy %s (parent %s), latency %.2fx of the parent%s%n",
                    (int) num(v, "generation"), v.get("version"), status, macs,
                    num(p, "params") / baseParams, num(g, "agreement"), pct(num(g, "accuracy")), pct(num(g, "parentAccuracy")),
                    num(g, "latencyRatio"), g.get("reason") == null ? "" : " (" + g.get("reason") + ")");
        }
        return bestReduction >= 0 && (finalTarget < 0 || bestReduction >= finalTarget - 1e-3);
    }

    static double num(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Double d ? d : Double.NaN;
    }

    static String pct(double accuracy) {
        return Double.isNaN(accuracy) || accuracy < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * accuracy);
    }

    /** Just enough JSON for the pruner's answers: objects, arrays, strings, numbers (as doubles), true/false/null. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                for (skip(); s.charAt(i) != '}'; skip()) {
                    String k = (String) value();
                    skip();
                    i++; // :
                    m.put(k, value());
                    skip();
                    if (s.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                for (skip(); s.charAt(i) != ']'; skip()) {
                    l.add(value());
                    skip();
                    if (s.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
                return l;
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                for (i++; s.charAt(i) != '"'; i++) {
                    char ch = s.charAt(i);
                    if (ch == '\\') {
                        char e = s.charAt(++i);
                        switch (e) {
                            case 'n' -> b.append('\n');
                            case 't' -> b.append('\t');
                            case 'r' -> b.append('\r');
                            case 'b' -> b.append('\b');
                            case 'f' -> b.append('\f');
                            case 'u' -> {
                                b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                                i += 4;
                            }
                            default -> b.append(e);
                        }
                    } else {
                        b.append(ch);
                    }
                }
                i++;
                return b.toString();
            }
            int from = i;
            while (i < s.length() && ",}] \n\r\t".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String word = s.substring(from, i);
            return switch (word) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "null" -> null;
                default -> Double.parseDouble(word);
            };
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }

    /** Images the collector has run or dead-lettered. */
    static double taken(String collector) {
        String m = body(collector + "/q/metrics");
        return sum(m, "vbp_collector_images_total") + sum(m, "vbp_collector_dead_letters_total");
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
