package io.vbpstream.platform;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Tells a wrong Kafka credential apart from a broker that is away. The clients themselves retry both alike, so a
 * service with a bad password would sit there not ready, its log full of retries; this check connects once and names
 * the problem. A broker that cannot be reached is not a configuration error (it may come back): that is left to the
 * services' readiness. A refusal message names the settings to fix, never their values.
 */
public final class KafkaCredentialsCheck {

    /** The exit status of a service that stops on a refusal (sysexits' EX_CONFIG). */
    public static final int EXIT_CONFIG = 78;

    /** The outcome of one attempt. */
    public enum Outcome { ACCEPTED, UNREACHABLE, REFUSED }

    private KafkaCredentialsCheck() {
    }

    /**
     * Connects with {@code clientConfig} and describes the cluster.
     *
     * @param refusal receives the explanation when the broker refuses the credentials or the principal
     */
    public static Outcome check(Map<String, Object> clientConfig, Duration timeout, Consumer<String> refusal) {
        Map<String, Object> c = KafkaClientSettings.admin(clientConfig);
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        c.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "vbp-credentials-check");
        try (Admin admin = Admin.create(c)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms)).clusterId().get(ms, TimeUnit.MILLISECONDS);
            return Outcome.ACCEPTED;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                refusal.accept(explain(clientConfig, cause));
                return Outcome.REFUSED;
            }
            return Outcome.UNREACHABLE;
        } catch (AuthenticationException e) {
            refusal.accept(explain(clientConfig, e));
            return Outcome.REFUSED;
        } catch (TimeoutException e) {
            return Outcome.UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.UNREACHABLE;
        }
    }

    /**
     * Runs {@link #check} on a daemon thread, so that start-up does not wait for a broker that is away; a refusal is
     * handed to {@code onRefused} (which typically logs it and exits).
     */
    public static Thread inBackground(Map<String, Object> clientConfig, Duration timeout, Consumer<String> onRefused) {
        Thread t = new Thread(() -> check(clientConfig, timeout, onRefused), "vbp-kafka-credentials-check");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static String explain(Map<String, Object> config, Throwable cause) {
        String what = cause instanceof AuthenticationException ? "refused this service's Kafka credentials"
                : "authenticated this service but refused it access";
        return "The Kafka broker at " + config.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + " " + what
                + " (security.protocol=" + config.getOrDefault(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                + ", sasl.mechanism=" + config.getOrDefault("sasl.mechanism", "GSSAPI") + "): " + cause.getMessage()
                + ". Check kafka.security.protocol, kafka.sasl.mechanism and kafka.sasl.jaas.config"
                + " (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG) and the principal's ACLs.";
    }
}
