package io.vbpstream.pruner.prune;

import io.smallrye.common.annotation.Identifier;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.runtime.ModelSession;
import io.vbpstream.core.runtime.NativeHeap;
import io.vbpstream.platform.message.ModelVersion;
import io.vbpstream.pruner.PrunerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The validation gate of a published candidate, with its inputs: the images to judge on ({@link RecentImages}, with
 * the parent's predictions when enough of them can be read back), the model card's preprocessing, the gate's
 * settings, and sessions opened from the artifacts in the store. {@link ValidationGate} is the decision.
 */
@ApplicationScoped
public class CandidateGate {

    private static final Logger LOG = Logger.getLogger(CandidateGate.class);

    @Inject
    PrunerConfig config;

    @Inject
    VersionModels models;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private volatile ModelCard card;

    /**
     * The gate on the images the parent already predicted (only the candidate runs), or, when too few of those can
     * be read back, on the last images of the topic with both models run. Sessions open from the artifacts' files.
     */
    ModelVersion.Validation validate(ModelVersion parent, ModelVersion candidate) {
        PrunerConfig.Gate g = config.gate();
        RecentImages.Sample sample = RecentImages.readPredicted(kafka, g.images(), card(), parent.model(), parent.version());
        if (sample.count() < g.minImages()) {
            LOG.infof("only %d of the images %s predicted can be read back; the gate runs both models on the latest images",
                    sample.count(), parent.key());
            sample = RecentImages.read(kafka, g.images(), card());
        }
        ValidationGate gate = new ValidationGate(new ValidationGate.Settings(g.minAgreement(), g.minRelativeAccuracy(),
                g.minImages(), g.confidence(), g.batch()));
        try {
            return gate.validate(() -> new ModelSession(artifactPath(parent)),
                    () -> new ModelSession(artifactPath(candidate)), sample, card());
        } finally {
            // the two sessions are closed: give what ONNX Runtime freed back, before the next prune needs its heap
            NativeHeap.trim().ifPresent(r -> LOG.infof("after the gate: %s", r));
        }
    }

    private Path artifactPath(ModelVersion v) {
        return models.store().artifactFile(v.sha256());
    }

    /** The model card (preprocessing and labels), read once. */
    ModelCard card() {
        if (card == null) {
            try {
                card = ModelCard.read(Path.of(config.model().card()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model card " + config.model().card(), e);
            }
        }
        return card;
    }

}
