package io.vbpstream.platform;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the topics of {@link Topic} that are missing; existing ones are left as they are. Idempotent. */
public final class TopicProvisioner {

    private TopicProvisioner() {
    }

    /**
     * @param replicationFactor 1 on a single local broker, 3 on a real cluster
     * @return the topics that were created by this call
     */
    public static List<String> createMissing(Admin admin, short replicationFactor)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = Topic.all().stream()
                .filter(t -> !existing.contains(t.topicName()))
                .map(t -> new NewTopic(t.topicName(), t.partitions(), replicationFactor).configs(t.configs()))
                .toList();
        if (missing.isEmpty()) {
            return List.of();
        }
        try {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        List<String> names = missing.stream().map(NewTopic::name).toList();
        awaitLeaders(admin, names);
        return names;
    }

    /**
     * Waits (up to 30 s) until every partition of {@code topics} has a leader. A producer that sends to a topic the
     * broker has not loaded yet gets {@code NOT_LEADER_OR_FOLLOWER}, and an idempotent one can then spend its whole
     * delivery timeout in {@code OUT_OF_ORDER_SEQUENCE_NUMBER} retries (seen in the integration tests: two minutes).
     */
    static void awaitLeaders(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            boolean led = described.values().stream().flatMap(d -> d.partitions().stream())
                    .allMatch(p -> p.leader() != null && p.leader().id() >= 0);
            if (led) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + topics + " still have no leader after 30 s");
            }
            Thread.sleep(100);
        }
    }

    /** Command line: {@code TopicProvisioner BOOTSTRAP [REPLICATION]}, used by deploy/local/broker.sh. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: TopicProvisioner BOOTSTRAP [REPLICATION_FACTOR]");
            System.exit(2);
        }
        short rf = args.length > 1 ? Short.parseShort(args[1]) : 1;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0], "request.timeout.ms", "10000"))) {
            List<String> created = createMissing(admin, rf);
            System.out.println(created.isEmpty() ? "all " + Topic.all().size() + " topics exist"
                    : "created " + String.join(", ", created));
        }
    }
}
