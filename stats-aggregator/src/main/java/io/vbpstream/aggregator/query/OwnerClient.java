package io.vbpstream.aggregator.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vbpstream.aggregator.AggregatorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Asks the instance that owns a key, once, over its REST API ({@code application.server}), within
 * {@code vbp.aggregator.forward-timeout}. A 404 there is a 404 here; any other failure, or no answer, is a
 * {@link StoreUnavailableException}.
 */
@ApplicationScoped
public class OwnerClient {

    @Inject
    AggregatorConfig config;

    @Inject
    ObjectMapper mapper;

    private final HttpClient http = HttpClient.newHttpClient();

    static String hostPort(HostInfo h) {
        return h.host() + ":" + h.port();
    }

    /** The owner's JSON answer at {@code path}, read as {@code type} (a class or a {@link TypeReference}). */
    @SuppressWarnings("unchecked")
    <T> T json(HostInfo owner, String path, Object type) {
        HttpResponse<String> r = send(owner, path, "application/json", HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            throw new NotFoundException(r.body());
        }
        if (r.statusCode() != 200) {
            throw new StoreUnavailableException("the owner " + hostPort(owner) + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return type instanceof TypeReference<?> ref
                    ? mapper.readValue(r.body(), mapper.getTypeFactory().constructType(ref))
                    : mapper.readValue(r.body(), (Class<T>) type);
        } catch (IOException e) {
            throw new StoreUnavailableException("unreadable answer from " + hostPort(owner) + ": " + e.getMessage(), e);
        }
    }

    /** The owner's binary answer at {@code path}. */
    byte[] bytes(HostInfo owner, String path) {
        HttpResponse<byte[]> r = send(owner, path, "application/octet-stream", HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 404) {
            throw new NotFoundException(new String(r.body(), StandardCharsets.UTF_8));
        }
        if (r.statusCode() != 200) {
            throw new StoreUnavailableException("the owner " + hostPort(owner) + " answered " + r.statusCode());
        }
        return r.body();
    }

    private <B> HttpResponse<B> send(HostInfo host, String path, String accept, HttpResponse.BodyHandler<B> body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort(host) + path))
                    .timeout(config.forwardTimeout()).header("Accept", accept).build(), body);
        } catch (IOException e) {
            throw new StoreUnavailableException("the owner " + hostPort(host) + " cannot be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while asking " + hostPort(host));
        }
    }
}
