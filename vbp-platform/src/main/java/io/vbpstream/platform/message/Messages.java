package io.vbpstream.platform.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes the versioned JSON control messages. Every message has an integer {@code schema}; a reader refuses
 * a schema it does not know rather than guessing, and ignores fields it does not know within a known schema (so a
 * producer can add optional fields without a schema bump).
 */
public final class Messages {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private Messages() {
    }

    public static byte[] write(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + message.getClass().getSimpleName(), e);
        }
    }

    public static String writeString(Object message) {
        return new String(write(message), StandardCharsets.UTF_8);
    }

    /**
     * Reads a message of {@code type} whose schema must be {@code schema}.
     *
     * @throws MessageFormatException saying whether the bytes are malformed, of an unknown schema, or invalid
     */
    public static <T> T read(byte[] bytes, Class<T> type, int schema) {
        if (bytes == null || bytes.length == 0) {
            throw new MessageFormatException(MessageFormatException.Reason.MALFORMED, "empty " + type.getSimpleName());
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new MessageFormatException(MessageFormatException.Reason.MALFORMED,
                    type.getSimpleName() + " is not JSON: " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new MessageFormatException(MessageFormatException.Reason.MALFORMED, type.getSimpleName() + " is not a JSON object");
        }
        JsonNode s = tree.get("schema");
        if (s == null || !s.canConvertToExactIntegral()) {
            throw new MessageFormatException(MessageFormatException.Reason.MALFORMED, type.getSimpleName() + " has no integer schema");
        }
        if (s.asInt() != schema) {
            throw new MessageFormatException(MessageFormatException.Reason.UNKNOWN_SCHEMA,
                    type.getSimpleName() + " schema " + s.asText() + " (this build reads schema " + schema + ")");
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (IllegalArgumentException e) {
            throw new MessageFormatException(MessageFormatException.Reason.INVALID_FIELD, e.getMessage(), e);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                throw new MessageFormatException(MessageFormatException.Reason.INVALID_FIELD, cause.getMessage(), e);
            }
            throw new MessageFormatException(MessageFormatException.Reason.MALFORMED,
                    type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
