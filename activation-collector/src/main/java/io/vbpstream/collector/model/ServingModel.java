package io.vbpstream.collector.model;

import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.runtime.NativeHeap;
import io.vbpstream.platform.message.ModelVersion;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A loaded, verified model version ready to serve: its predictor, blocks, card and preprocessor. Closed (its ONNX
 * Runtime session released) once it is swapped out and its last batch has finished.
 */
public final class ServingModel implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ServingModel.class);

    private final ModelVersion version;
    private final BatchPredictor predictor;
    private final List<String> blocks;
    private final ModelCard card;
    private final Preprocessor preprocessor;
    private final long imageNanos;
    private final long activationBytesPerImage;

    ServingModel(ModelVersion version, BatchPredictor predictor, List<String> blocks, ModelCard card,
                 long imageNanos, long activationBytesPerImage) {
        this.imageNanos = imageNanos;
        this.activationBytesPerImage = activationBytesPerImage;
        this.version = version;
        this.predictor = predictor;
        this.blocks = blocks;
        this.card = card;
        this.preprocessor = new Preprocessor(card.input());
    }

    public ModelVersion version() {
        return version;
    }

    public String modelId() {
        return version.model();
    }

    public String versionName() {
        return version.version();
    }

    public BatchPredictor predictor() {
        return predictor;
    }

    /**
     * This version served through {@code wrap} of its predictor (to trace, slow or fail inference); closing the result
     * closes the wrapper, which owns the session from then on.
     */
    public ServingModel withPredictor(UnaryOperator<BatchPredictor> wrap) {
        return new ServingModel(version, wrap.apply(predictor), blocks, card, imageNanos, activationBytesPerImage);
    }

    /** The MLP blocks' names, in graph order. */
    public List<String> blocks() {
        return blocks;
    }

    /** Time one image took at load (a blank image, alone, unsampled): what sizes the loop's polls. */
    public long imageNanos() {
        return imageNanos;
    }

    /**
     * Bytes of the largest MLP hidden tensor per image ({@code tokens · width · 4}, from the blank image run at load):
     * what the loop sizes its batches by, since ONNX Runtime's arena grows with them.
     */
    public long activationBytesPerImage() {
        return activationBytesPerImage;
    }

    public ModelCard card() {
        return card;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /** Class name of output index {@code i}, or its number when the card lists no labels. */
    public String label(int i) {
        List<String> labels = card.labels();
        return labels != null && i < labels.size() ? labels.get(i) : Integer.toString(i);
    }

    /**
     * Closes the session, and gives the C heap what ONNX Runtime freed back ({@link NativeHeap}): after a hot swap,
     * glibc would otherwise keep the old session's weights and arena in the process.
     */
    @Override
    public void close() {
        predictor.close();
        NativeHeap.trim().ifPresent(r -> LOG.infof("closed %s: %s", this, r));
    }

    @Override
    public String toString() {
        return version.model() + "/" + version.version() + " (sha256 " + version.sha256().substring(0, 12) + ")";
    }
}
