package io.vbpstream.pruner.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.follow.VersionRegistry;
import io.vbpstream.pruner.PrunerConfig;
import io.vbpstream.pruner.prune.PolicyRequest;
import io.vbpstream.pruner.prune.PruningStep;
import io.vbpstream.pruner.prune.VersionPublisher;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import io.vbpstream.platform.web.JsonErrors;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;

/** Model versions: lineage and reports; manual prune, promote and rollback (bearer token). */
@Path("/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    @Inject
    VersionRegistry registry;

    @Inject
    PruningStep step;

    @Inject
    VersionPublisher publisher;

    @Inject
    AdminAuth auth;

    @Inject
    PrunerConfig config;

    @Inject
    ObjectMapper mapper;

    public record ModelSummary(String model, String current, List<ModelVersion> versions) {
    }

    public record VersionDetail(ModelVersion version, JsonNode report) {
    }

    @GET
    public List<ModelSummary> models() {
        return registry.models().stream().map(this::summary).toList();
    }

    @GET
    @Path("/{model}")
    public ModelSummary model(@PathParam("model") String model) {
        requireModel(model);
        return summary(model);
    }

    @GET
    @Path("/{model}/versions/{version}")
    public VersionDetail version(@PathParam("model") String model, @PathParam("version") String version) throws IOException {
        ModelVersion v = requireVersion(model, version);
        java.nio.file.Path report = step.store().reportFile(v.sha256());
        return new VersionDetail(v, Files.exists(report) ? mapper.readTree(report.toFile()) : null);
    }

    /**
     * What a person wants to know about the version being served, as plain text: lineage, kept widths, MACs and
     * params, the gate's figures, and where the artifact is. 404 while only the base version exists.
     */
    @GET
    @Path("/{model}/summary")
    @Produces(MediaType.TEXT_PLAIN)
    public String summaryText(@PathParam("model") String model) {
        requireModel(model);
        ModelVersion v = registry.current(model).filter(c -> c.pruning() != null)
                .orElseThrow(() -> new NotFoundException("model " + model + " has no promoted pruned version yet"));
        return VersionSummary.text(v, step.store().artifactFile(v.sha256()));
    }

    /** The statistics file ({@code VBPS}) a version was pruned with: {@code vbp prune --stats} reproduces it. */
    @GET
    @Path("/{model}/versions/{version}/statistics")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] statistics(@PathParam("model") String model, @PathParam("version") String version) throws IOException {
        ModelVersion v = requireVersion(model, version);
        java.nio.file.Path f = step.store().statisticsFile(v.sha256());
        if (!Files.exists(f)) {
            throw new NotFoundException(v.key() + " was not pruned by this pruner (no statistics file)");
        }
        return Files.readAllBytes(f);
    }

    /** Prunes the promoted version of {@code model} now, with the policy in the body; validates and publishes. */
    @POST
    @Path("/{model}/prune")
    @Consumes(MediaType.APPLICATION_JSON)
    public ModelVersion prune(@PathParam("model") String model, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                              PolicyRequest request) {
        auth.require(authorization);
        requireModel(model);
        if (request == null) {
            throw new IllegalArgumentException("a JSON policy is required, e.g. {\"macsReduction\": 0.2}");
        }
        ModelVersion current = registry.current(model)
                .orElseThrow(() -> new IllegalStateException("model " + model + " has no promoted version to prune"));
        // one live child per parent: PruningStep checks again on its worker, where prunes run one at a time
        registry.liveChild(model, current.version()).ifPresent(child -> {
            throw new IllegalStateException(current.key() + " already has a live child, " + child.key() + " ("
                    + child.status() + "): reject or roll it back first");
        });
        return step.prune(current, request.withDefaultCompensation(step.hasCoMoments(current))
                .withDefaultCriterion(config.policy().criterion()).toPolicy());
    }

    @POST
    @Path("/{model}/versions/{version}/promote")
    public ModelVersion promote(@PathParam("model") String model, @PathParam("version") String version,
                                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        auth.require(authorization);
        ModelVersion v = requireVersion(model, version).withStatus(ModelVersion.Status.PROMOTED, Instant.now().toString());
        publisher.publish(v);
        registry.accept(v);
        return v;
    }

    /** Rolls the promoted version back to its parent. */
    @POST
    @Path("/{model}/versions/{version}/rollback")
    public ModelVersion rollback(@PathParam("model") String model, @PathParam("version") String version,
                                 @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        auth.require(authorization);
        ModelVersion v = requireVersion(model, version);
        if (v.status() != ModelVersion.Status.PROMOTED || v.parentVersion() == null) {
            throw new IllegalStateException(v.key() + " is " + v.status() + (v.parentVersion() == null ? " and has no parent" : "")
                    + ": only a promoted, pruned version can be rolled back");
        }
        ModelVersion parent = requireVersion(model, v.parentVersion());
        String now = Instant.now().toString();
        ModelVersion rolled = v.withStatus(ModelVersion.Status.ROLLED_BACK, now);
        ModelVersion restored = parent.withStatus(ModelVersion.Status.PROMOTED, now);
        publisher.publish(rolled, restored); // both or neither
        registry.accept(rolled);
        registry.accept(restored);
        return restored;
    }

    private ModelSummary summary(String model) {
        return new ModelSummary(model, registry.current(model).map(ModelVersion::version).orElse(null), registry.all(model));
    }

    private void requireModel(String model) {
        if (!registry.models().contains(model)) {
            throw new NotFoundException("unknown model '" + model + "'; known: " + registry.models());
        }
    }

    private ModelVersion requireVersion(String model, String version) {
        requireModel(model);
        return registry.get(model, version).orElseThrow(() -> new NotFoundException("model " + model + " has no version '"
                + version + "'"));
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return JsonErrors.notFound(e.getMessage());
    }

    @ServerExceptionMapper
    public Response badRequest(IllegalArgumentException e) {
        return JsonErrors.badRequest(e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(IllegalStateException e) {
        return JsonErrors.of(409, "conflict", e.getMessage()).build();
    }
}
