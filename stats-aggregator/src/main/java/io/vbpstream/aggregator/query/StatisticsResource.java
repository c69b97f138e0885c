package io.vbpstream.aggregator.query;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.vbpstream.platform.web.JsonErrors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** Interactive queries: any instance answers any key (forwarding to its owner). */
@Path("/statistics")
@Produces(MediaType.APPLICATION_JSON)
public class StatisticsResource {

    @Inject
    StatisticsQueries queries;

    @GET
    @Path("/models")
    public ModelsListing models() {
        return queries.models();
    }

    /** {@code ?summary=true} adds quantiles of the variance spectrum. */
    @GET
    @Path("/models/{model}/versions/{version}/blocks/{block}")
    public Response block(@PathParam("model") String model, @PathParam("version") String version,
                          @PathParam("block") String block, @QueryParam("summary") @DefaultValue("false") boolean summary,
                          @QueryParam("forwarded") @DefaultValue("false") boolean forwarded) {
        BlockStatistics s = queries.block(model, version, block, summary, forwarded);
        return Response.ok(s).header(StatisticsQueries.SERVED_BY, s.servedBy()).build();
    }

    /** What the store holds of a block's co-moment matrix: geometry, and each tile's count and deltas. */
    @GET
    @Path("/models/{model}/versions/{version}/blocks/{block}/comoments")
    public Response coMoments(@PathParam("model") String model, @PathParam("version") String version,
                              @PathParam("block") String block,
                              @QueryParam("forwarded") @DefaultValue("false") boolean forwarded) {
        CoMomentsSummary s = queries.coMoments(model, version, block, forwarded);
        return Response.ok(s).header(StatisticsQueries.SERVED_BY, s.servedBy()).build();
    }

    /** One tile of a block's co-moment matrix, as a {@code CoMomentsCodec} record (docs/ARCHITECTURE.md). */
    @GET
    @Path("/models/{model}/versions/{version}/blocks/{block}/comoments/tiles/{row}/{column}")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    public Response tile(@PathParam("model") String model, @PathParam("version") String version,
                         @PathParam("block") String block, @PathParam("row") int row, @PathParam("column") int column,
                         @QueryParam("forwarded") @DefaultValue("false") boolean forwarded) {
        return Response.ok(queries.tile(model, version, block, row, column, forwarded), MediaType.APPLICATION_OCTET_STREAM).build();
    }

    /** This instance's own keys (what {@code /statistics/models} gathers from each instance). */
    @GET
    @Path("/local/entries")
    public List<ModelsListing.Entry> localEntries() {
        return queries.localEntries();
    }

    @ServerExceptionMapper
    public Response unavailable(StoreUnavailableException e) {
        return JsonErrors.of(503, "unavailable", e.getMessage()).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response notFound(jakarta.ws.rs.NotFoundException e) {
        return JsonErrors.notFound(e.getMessage());
    }

    @ServerExceptionMapper
    public Response badRequest(IllegalArgumentException e) {
        return JsonErrors.badRequest(e.getMessage());
    }
}
