package io.vbpstream.pruner.web;

import io.vbpstream.pruner.PrunerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * The mutating endpoints' check: {@code Authorization: Bearer <vbp.pruner.admin-token>}, compared in constant time.
 * No header: 401 with a {@code WWW-Authenticate} challenge. A wrong token, or no token configured: 403.
 */
@ApplicationScoped
public class AdminAuth {

    @Inject
    PrunerConfig config;

    public void require(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw fail(401, "a bearer token is required");
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        byte[] expected = config.adminToken().orElse("").getBytes(StandardCharsets.UTF_8);
        if (expected.length == 0 || !MessageDigest.isEqual(given, expected)) {
            throw fail(403, expected.length == 0 ? "no admin token is configured: mutations are disabled"
                    : "the token is not valid");
        }
    }

    private static WebApplicationException fail(int status, String reason) {
        Response.ResponseBuilder r = Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", status == 401 ? "unauthorized" : "forbidden", "reason", reason));
        if (status == 401) {
            r.header("WWW-Authenticate", "Bearer realm=\"vbp-pruner\"");
        }
        return new WebApplicationException(r.build());
    }
}
