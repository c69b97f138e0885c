package io.vbpstream.collector.model;

import io.vbpstream.collector.observe.CollectorMetrics;
import io.vbpstream.platform.message.MessageFormatException;
import io.vbpstream.platform.message.ModelVersion;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * Follows the compacted {@code model-versions} topic from its start (a fresh consumer group per process), so the
 * latest promotion of this collector's model is always applied, also after a restart. Records of other statuses
 * (candidates, rejected and rolled-back versions) serve nothing; they only say whether the served version's
 * co-moments are wanted ({@link ModelRegistry#observe}). Unreadable records are nacked
 * and go to {@code model-versions.dlq} with the reason.
 */
@ApplicationScoped
public class ModelVersionsListener {

    private static final Logger LOG = Logger.getLogger(ModelVersionsListener.class);

    @Inject
    ModelRegistry registry;

    @Inject
    CollectorMetrics metrics;

    @Incoming("model-versions")
    public CompletionStage<Void> onVersion(Message<byte[]> message) {
        ModelVersion version;
        try {
            version = ModelVersion.read(message.getPayload());
        } catch (MessageFormatException e) {
            metrics.badVersionMessage(e.reason().name());
            LOG.warnf("unreadable model-versions record: %s", e.getMessage());
            return message.nack(e);
        }
        if (version.status() == ModelVersion.Status.PROMOTED) {
            registry.promote(version);
        } else {
            LOG.debugf("%s is %s: nothing to serve", version.key(), version.status());
            registry.observe(version);
        }
        return message.ack();
    }
}
