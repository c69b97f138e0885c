package io.vbpstream.platform;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Acceptance and refusal by a real SCRAM broker are tested in e2e-tests (SaslScramIT); here, the rest. */
class KafkaCredentialsCheckTest {

    @Test
    void aBrokerThatIsAwayIsNotAConfigurationError() throws Exception {
        List<String> refusals = new ArrayList<>();
        Map<String, Object> c = Map.of("bootstrap.servers", "127.0.0.1:" + LocalKafkaBroker.freePort());
        assertEquals(KafkaCredentialsCheck.Outcome.UNREACHABLE,
                KafkaCredentialsCheck.check(c, Duration.ofSeconds(2), refusals::add));
        assertTrue(refusals.isEmpty());
    }

    @Test
    void aRefusalNamesTheSettingsButNeverTheirValues() {
        String secret = "s3cret-value";
        Map<String, Object> c = Map.of("bootstrap.servers", "kafka:9093", "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"" + secret + "\";",
                "ssl.truststore.password", secret);
        String m = KafkaCredentialsCheck.explain(c, new SaslAuthenticationException("invalid credentials"));
        assertTrue(m.contains("kafka:9093") && m.contains("SASL_SSL") && m.contains("SCRAM-SHA-512"), m);
        assertTrue(m.contains("kafka.sasl.jaas.config") && m.contains("invalid credentials"), m);
        assertFalse(m.contains(secret), m);
    }
}
