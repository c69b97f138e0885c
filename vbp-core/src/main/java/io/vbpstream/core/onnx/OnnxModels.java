package io.vbpstream.core.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.CodedInputStream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Reads and writes ONNX {@link ModelProto}s, streaming, so that a model is held in memory once. */
public final class OnnxModels {

    private OnnxModels() {
    }

    /** A parsed model together with the sha256 of the bytes it was parsed from. */
    public record LoadedModel(ModelProto model, String sha256) {
    }

    public static LoadedModel read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new InvalidModelException("model file not found: " + path);
        }
        MessageDigest digest = sha256Digest();
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16), digest)) {
            ModelProto model = parse(in, path.toString());
            // drain anything the parser did not consume so that the digest covers the whole file
            in.transferTo(OutputStream.nullOutputStream());
            return new LoadedModel(model, HexFormat.of().formatHex(digest.digest()));
        }
    }

    public static ModelProto parse(byte[] bytes) {
        try {
            return parse(new java.io.ByteArrayInputStream(bytes), "byte array");
        } catch (IOException e) {
            throw new InvalidModelException("unreadable ONNX model: " + e.getMessage(), e);
        }
    }

    private static ModelProto parse(InputStream in, String source) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(in);
        coded.setSizeLimit(Integer.MAX_VALUE);
        ModelProto model;
        try {
            model = ModelProto.parseFrom(coded);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InvalidModelException("not an ONNX model (" + source + "): " + e.getMessage(), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new InvalidModelException("not an ONNX model (" + source + "): it has no graph nodes");
        }
        return model;
    }

    public static void write(ModelProto model, Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = Files.createTempFile(parent, path.getFileName().toString(), ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            model.writeTo(out);
        }
        Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    /** sha256 of the model's serialized bytes, streamed so that no second copy of the model is held. */
    public static String sha256(ModelProto model) {
        MessageDigest digest = sha256Digest();
        try (OutputStream out = new java.security.DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            model.writeTo(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String sha256(Path path) throws IOException {
        MessageDigest digest = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The version of the default ("ai.onnx") operator set the model imports. */
    public static long defaultOpset(ModelProto model) {
        return model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(o -> o.getVersion())
                .findFirst()
                .orElseThrow(() -> new InvalidModelException("model imports no default ONNX opset"));
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
