package io.vbpstream.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL in the repository's monitoring files: every panel target of the Grafana dashboard (with its template
 * variables and interval macros replaced by concrete values) and every rule of the Prometheus rules file, plus the
 * metric selectors inside them.
 */
public final class MonitoringQueries {

    public static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/vbp-pipeline.json");
    public static final Path RULES = Path.of("deploy/prometheus/rules/vbp-alerts.yml");

    private MonitoringQueries() {
    }

    /** Panel title (with the target's refId) to its expression, with {@code variables} substituted. */
    public static Map<String, String> dashboardTargets(Path root, Map<String, String> variables) throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(root.resolve(DASHBOARD).toFile());
        Map<String, String> out = new LinkedHashMap<>();
        collect(dashboard.path("panels"), variables, out);
        return out;
    }

    private static void collect(JsonNode panels, Map<String, String> variables, Map<String, String> out) {
        for (JsonNode panel : panels) {
            collect(panel.path("panels"), variables, out); // collapsed rows hold their panels
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (!expr.isBlank()) {
                    out.put(panel.path("title").asText() + " [" + target.path("refId").asText() + "]", substitute(expr, variables));
                }
            }
        }
    }

    /** Replaces {@code $name}, {@code ${name}} and {@code ${name:format}} by the given values, longest names first. */
    public static String substitute(String expr, Map<String, String> variables) {
        String s = expr;
        List<String> names = new ArrayList<>(variables.keySet());
        names.sort((a, b) -> b.length() - a.length());
        for (String name : names) {
            String v = Matcher.quoteReplacement(variables.get(name));
            s = s.replaceAll("\\$\\{" + Pattern.quote(name) + "(?::[a-z]+)?}", v).replaceAll("\\$" + Pattern.quote(name) + "\\b", v);
        }
        if (s.contains("$")) {
            throw new IllegalArgumentException("a variable is left in: " + s);
        }
        return s;
    }

    /**
     * Rule name (alert or record, with its group, and a number when a group holds the name twice) to its expression,
     * from the rules file.
     */
    public static Map<String, String> rules(Path root) throws IOException {
        JsonNode file = new ObjectMapper(new YAMLFactory()).readTree(root.resolve(RULES).toFile());
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode group : file.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = group.path("name").asText() + "/"
                        + (rule.has("alert") ? rule.get("alert").asText() : rule.path("record").asText());
                String key = name;
                for (int n = 2; out.containsKey(key); n++) {
                    key = name + " #" + n;
                }
                out.put(key, rule.path("expr").asText());
            }
        }
        return out;
    }

    /**
     * An alert expression turned into what a healthy pipeline must still answer: every comparison with a number
     * becomes {@code > -Inf} (keeps every series with a value), and {@code unless} becomes {@code and} (so that a
     * join must match, where an alert fires on the mismatch). If this returns nothing, a join's labels or a series
     * never line up, and the alert could never fire.
     */
    public static String healthySignal(String alertExpr) {
        return alertExpr.replaceAll("(>=|<=|==|!=|>|<)\\s*(bool\\s+)?-?[0-9][0-9.eE+-]*", "> -Inf")
                .replaceAll("\\bunless\\b", "and");
    }

    /** The metric selectors an expression reads, e.g. {@code vbp_collector_images_total{model="x"}}. */
    public static Set<String> selectors(String expr) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = NAME.matcher(expr);
        int from = 0;
        while (from < expr.length() && m.find(from)) {
            if (insideString(expr, m.start()) || followedBy(expr, m.end(), '(')) {
                from = m.end();
                continue;
            }
            int end = m.end();
            if (end < expr.length() && expr.charAt(end) == '{') {
                end = closingBrace(expr, end) + 1;
            }
            out.add(expr.substring(m.start(), end));
            from = end;
        }
        return out;
    }

    private static final Pattern NAME = Pattern.compile("\\b(?:vbp|kafka|jvm|process|http_server|up)(?:_[a-zA-Z0-9_:]*)?\\b");

    private static boolean insideString(String s, int at) {
        boolean in = false;
        for (int i = 0; i < at; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in = !in;
            }
        }
        return in;
    }

    private static boolean followedBy(String s, int at, char c) {
        int i = at;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i < s.length() && s.charAt(i) == c;
    }

    private static int closingBrace(String s, int open) {
        boolean in = false;
        for (int i = open + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in = !in;
            } else if (c == '}' && !in) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed label matchers in " + s);
    }
}
