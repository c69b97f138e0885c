package io.vbpstream.platform.web;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/** The services' REST error bodies, one shape for all: {@code {"error": "...", "reason": "..."}}. */
public final class JsonErrors {

    private JsonErrors() {
    }

    /** A JSON error response with {@code status}; a null reason is written as {@code "null"}. */
    public static Response.ResponseBuilder of(int status, String error, String reason) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", error, "reason", String.valueOf(reason)));
    }

    public static Response notFound(String reason) {
        return of(404, "not found", reason).build();
    }

    public static Response badRequest(String reason) {
        return of(400, "bad request", reason).build();
    }
}
