package io.vbpstream.pruner.web;

import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PruningPlan;
import io.vbpstream.core.prune.PruningPolicy;
import io.vbpstream.core.prune.PruningTarget;
import io.vbpstream.core.stats.Moments;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.PrunerConfig;
import io.vbpstream.pruner.RecompressionLoop;
import io.vbpstream.pruner.convergence.ConvergenceTracker;
import io.vbpstream.pruner.follow.StatisticsView;
import io.vbpstream.pruner.follow.VersionRegistry;
import io.vbpstream.pruner.prune.PruningStep;
import io.vbpstream.pruner.prune.RecompressionSchedule;
import io.vbpstream.pruner.prune.VersionModel;
import io.vbpstream.pruner.prune.VersionModels;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The page a person reads: the promoted version's per-block variance spectra with the next step's threshold, the
 * convergence progress, and the lineage (a chart of MACs and accuracy against the base, and the table). Server-rendered
 * HTML and SVG, no scripts, no external resources; it reloads itself every 5 s (a meta refresh) and its charts and
 * tables fit widths from a phone's to a desktop's.
 */
@Path("/")
public class StatusPage {

    @Inject
    PrunerConfig config;

    @Inject
    RecompressionLoop service;

    @Inject
    VersionRegistry registry;

    @Inject
    StatisticsView statistics;

    @Inject
    VersionModels models;

    @Inject
    PruningStep step;

    /** The page is rendered at most once a second, however often it is asked for (it plans the next step). */
    private static final io.vbpstream.platform.CachedAnswer<String> RENDERED =
            new io.vbpstream.platform.CachedAnswer<>(java.time.Duration.ofSeconds(1));

    @GET
    @Produces(MediaType.TEXT_HTML)
    public String page() {
        return RENDERED.get(this::render);
    }

    private String render() {
        String model = config.model().id();
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<meta http-equiv=\"refresh\" content=\"5\"><title>vbp-stream pruner: ")
                .append(Html.escape(model)).append("</title><style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:16px auto;padding:0 12px;max-width:1400px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 24px}.scroll{overflow-x:auto}")
                .append("td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}")
                .append(".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}")
                .append("svg{width:100%;height:auto;display:block}.lineage-chart{max-width:720px}")
                .append(".ok{color:#1e8449}.wait{color:#b9770e}.bad{color:#c0392b}")
                .append("@media (max-width:700px){body{font-size:13px}h1{font-size:20px}td,th{padding:3px 5px}}")
                .append("</style></head><body>");
        h.append("<h1>vbp-stream pruner: ").append(Html.escape(model)).append("</h1>");
        Optional<ModelVersion> current = registry.current(model);
        if (!service.caughtUp()) {
            h.append("<p class=\"wait\">Reading model-versions and layer-statistics…</p>");
        }
        if (service.lastError() != null) {
            h.append("<p class=\"bad\">Last check failed: ").append(Html.escape(service.lastError())).append("</p>");
        }
        if (current.isEmpty()) {
            h.append("<p>No promoted version yet.</p>");
        } else {
            spectra(h, current.get());
            convergence(h);
        }
        lineage(h, model);
        return h.append("</body></html>").toString();
    }

    private void spectra(StringBuilder h, ModelVersion cur) {
        h.append("<h2>Serving <code>").append(Html.escape(cur.version())).append("</code>: variance spectra</h2>");
        Map<String, Moments> stats = statistics.blocks(cur.model(), cur.version());
        if (stats.isEmpty()) {
            h.append("<p>No statistics for this version yet.</p>");
            return;
        }
        VersionModel vm = models.load(cur);
        Optional<PruningPolicy> next = step.nextStep(cur, vm);
        PruningPlan plan = null;
        if (next.isPresent() && stats.keySet().containsAll(vm.blockNames())) {
            plan = step.plan(vm, stats, next.get());
            String target = next.get().target() instanceof PruningTarget.MacsReduction m
                    ? String.format(Locale.ROOT, "%.1f%% fewer MACs than this version", 100 * m.fraction())
                    : next.get().target() instanceof PruningTarget.NeuronRatio r
                    ? String.format(Locale.ROOT, "%.1f%% of the neurons", 100 * r.ratio()) : next.get().target().toString();
            h.append("<p>Shaded: what the next step (").append(Html.escape(target))
                    .append(") would remove; dashed and labelled: its variance threshold.</p>");
        } else if (next.isEmpty()) {
            h.append("<p>The final target is reached: no further step.</p>");
        }
        h.append("<div class=\"charts\">");
        for (Map.Entry<String, Moments> e : stats.entrySet()) {
            int removed = 0;
            if (plan != null) {
                removed = plan.blocks().stream().filter(b -> b.block().equals(e.getKey())).findFirst()
                        .map(b -> b.removed().length).orElse(0);
            }
            h.append(SpectrumChart.svg(e.getKey() + " (n=" + e.getValue().count() + ")", e.getValue().variance(), removed));
        }
        h.append("</div>");
    }

    private void convergence(StringBuilder h) {
        ConvergenceTracker.Progress p = service.progress();
        h.append("<h2>Convergence</h2>");
        if (p == null || p.blocks().isEmpty()) {
            h.append("<p>Not measured yet.</p>");
            return;
        }
        PrunerConfig.Convergence c = config.convergence();
        Criterion criterion = RecompressionSchedule.criterion(config.policy());
        String followed = criterion == Criterion.RECONSTRUCTION
                ? " (kept sets followed through the variance criterion; the reconstruction order is computed from the "
                + "covariance when pruning)" : "";
        h.append(String.format(Locale.ROOT, "<p>n-min %d samples, stability %.2f, snapshots every %d samples; %d snapshots so far. "
                        + "Criterion %s%s. Compensation %s: covariance needs %d samples and a change of at most %.2f. "
                        + "<strong class=\"%s\">%s</strong></p>", c.nMin(), c.stability(), c.deltaN(), p.snapshots(),
                criterion.id(), Html.escape(followed), config.policy().compensation().id(), c.covarianceNMin(), c.covarianceTolerance(),
                p.ready() ? "ok" : "wait", p.ready() ? "Ready" : "Not ready"));
        h.append("<div class=\"scroll\"><table id=\"convergence\"><tr><th class=\"l\">block</th><th>samples</th><th>of n-min</th><th>Jaccard</th>"
                + "<th>covariance samples</th><th>Σ_KP change</th><th>converged</th></tr>");
        for (ConvergenceTracker.BlockProgress b : p.blocks()) {
            h.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td>%d</td><td>%.0f%%</td><td>%s</td><td>%d</td><td>%s</td>"
                            + "<td class=\"%s\">%s</td></tr>",
                    Html.escape(b.block()), b.samples(), 100.0 * Math.min(1, (double) b.samples() / c.nMin()),
                    Double.isNaN(b.jaccard()) ? "–" : String.format(Locale.ROOT, "%.3f", b.jaccard()),
                    b.covarianceSamples(),
                    Double.isNaN(b.covarianceChange()) ? "–" : String.format(Locale.ROOT, "%.3f", b.covarianceChange()),
                    b.converged() ? "ok" : "wait", b.converged() ? "yes" : "no"));
        }
        h.append("</table></div>");
    }

    private void lineage(StringBuilder h, String model) {
        List<ModelVersion> all = registry.all(model).stream()
                .sorted(Comparator.comparingInt(ModelVersion::generation).thenComparing(ModelVersion::createdAt)).toList();
        h.append("<h2>Lineage</h2>");
        h.append(LineageChart.svg(all.stream().filter(v -> v.status() == ModelVersion.Status.PROMOTED).toList()));
        h.append("<div class=\"scroll\"><table id=\"lineage\"><tr><th class=\"l\">version</th><th class=\"l\">parent</th>"
                + "<th class=\"l\">status</th><th>MACs</th><th>params</th><th>MACs −</th><th>agreement</th><th>accuracy</th>"
                + "<th>latency ratio</th><th class=\"l\">policy</th></tr>");
        for (ModelVersion v : all) {
            ModelVersion.Pruning p = v.pruning();
            ModelVersion.Validation val = v.validation();
            String cls = switch (v.status()) {
                case PROMOTED -> "ok";
                case REJECTED, ROLLED_BACK -> "bad";
                case CANDIDATE -> "wait";
            };
            h.append("<tr><td class=\"l\">").append(Html.escape(v.version())).append("</td><td class=\"l\">")
                    .append(Html.escape(v.parentVersion() == null ? "–" : v.parentVersion())).append("</td><td class=\"l ")
                    .append(cls).append("\">").append(v.status()).append(val != null && val.reason() != null
                            ? " (" + Html.escape(val.reason()) + ")" : "").append("</td>");
            h.append(p == null ? "<td>–</td><td>–</td><td>–</td>" : String.format(Locale.ROOT, "<td>%,d</td><td>%,d</td><td>%.1f%%</td>",
                    p.macs(), p.params(), 100 * (1 - (double) p.macs() / p.baseMacs())));
            h.append(val == null ? "<td>–</td><td>–</td><td>–</td>" : String.format(Locale.ROOT, "<td>%.4f</td><td>%s</td><td>%.3f</td>",
                    val.agreement(), val.accuracy() < 0 ? "–" : String.format(Locale.ROOT, "%.4f (parent %.4f)", val.accuracy(),
                            val.parentAccuracy()), val.latencyRatio()));
            h.append("<td class=\"l\">").append(p == null ? "–" : Html.escape(p.policy())).append("</td></tr>");
        }
        h.append("</table></div>");
    }

}
