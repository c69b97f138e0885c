package io.vbpstream.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders the Strimzi {@code KafkaTopic} resources for every {@link Topic}, so that the Kubernetes deployment uses the
 * same definition as the local broker and the tests.
 *
 * <pre>java -cp ... io.vbpstream.platform.TopicManifests CLUSTER REPLICAS OUT.yaml</pre>
 */
public final class TopicManifests {

    private TopicManifests() {
    }

    /** A multi-document YAML stream with one {@code KafkaTopic} per topic, for the Strimzi cluster {@code cluster}. */
    public static String render(String cluster, int replicas) {
        if (!cluster.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw new IllegalArgumentException("not a Kubernetes name: " + cluster);
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1");
        }
        return Topic.all().stream().map(t -> resource(t, cluster, replicas)).collect(Collectors.joining("---\n",
                "# Generated from io.vbpstream.platform.Topic by TopicManifests; do not edit by hand.\n", ""));
    }

    private static String resource(Topic t, String cluster, int replicas) {
        StringBuilder y = new StringBuilder()
                .append("apiVersion: kafka.strimzi.io/v1beta2\n")
                .append("kind: KafkaTopic\n")
                .append("metadata:\n")
                .append("  name: ").append(t.topicName()).append('\n')
                .append("  labels:\n")
                .append("    strimzi.io/cluster: ").append(cluster).append('\n')
                .append("    app.kubernetes.io/part-of: vbp-stream\n")
                .append("spec:\n")
                .append("  topicName: ").append(t.topicName()).append('\n')
                .append("  partitions: ").append(t.partitions()).append('\n')
                .append("  replicas: ").append(replicas).append('\n')
                .append("  config:\n");
        for (Map.Entry<String, String> c : t.configs().entrySet()) {
            y.append("    ").append(c.getKey()).append(": \"").append(c.getValue()).append("\"\n");
        }
        if (replicas > 1) {
            y.append("    min.insync.replicas: \"").append(replicas - 1).append("\"\n");
        }
        return y.toString();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: TopicManifests CLUSTER REPLICAS OUT.yaml");
            System.exit(2);
        }
        Path out = Path.of(args[2]);
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.writeString(out, render(args[0], Integer.parseInt(args[1])));
        System.out.println("wrote " + Topic.all().size() + " KafkaTopic resources to " + out);
    }
}
