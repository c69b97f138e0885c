package io.vbpstream.collector;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The collector's settings ({@code vbp.collector.*}); Kafka's address is {@code kafka.bootstrap.servers}. */
@ConfigMapping(prefix = "vbp.collector")
public interface CollectorConfig {

    /** This instance's stable name: the transactional id and moments headers derive from it. */
    @WithDefault("collector-0")
    String instanceId();

    /** Consumer group of the images stream. */
    @WithDefault("activation-collector")
    String group();

    Model model();

    Store store();

    Batch batch();

    Flush flush();

    Limits limits();

    Covariance covariance();

    /** Classes listed in each prediction. */
    @WithDefault("3")
    int topK();

    /**
     * The transactional producer's {@code transaction.timeout.ms}: the broker's coordinator aborts a transaction open
     * longer. A window commits within {@code flush.interval} plus one batch, so this must be at least
     * {@code flush.interval} + 30 s (checked at start), and at most the broker's {@code transaction.max.timeout.ms}
     * (15 min by default).
     */
    @WithDefault("2m")
    Duration transactionTimeout();

    /** Intra-op threads of the ONNX Runtime session (0: ONNX Runtime's default, one per core). */
    @WithDefault("0")
    int threads();

    interface Model {
        /** Model id, e.g. {@code fmnist-vit}. */
        String id();

        /** The version served until {@code model-versions} promotes another. */
        String version();

        /** Artifact address in the store ({@code vbp-store:sha256/<hex>.onnx}). */
        String uri();

        /** Expected sha256 of the artifact; defaults to the one in the address. */
        Optional<String> sha256();

        /** The model card ({@code model.json}): input size, normalisation, labels. */
        String card();
    }

    interface Store {
        /** Root of the content-addressed model store. */
        String directory();
    }

    interface Batch {
        /** Images per inference call. */
        @WithDefault("32")
        int size();

        /**
         * The most records per poll (a multiple of the batch size keeps batches full). A slow model gets smaller
         * polls: about one {@code flush.interval} of images at the speed measured when the model loaded.
         */
        @WithDefault("256")
        int maxPollRecords();
    }

    interface Flush {
        /**
         * Publish moments (and commit) after this many images... (checked between batches, so a poll larger than this
         * is split over several transactions)
         */
        @WithDefault("1024")
        int images();

        /** ...or after this long, whichever comes first (checked between batches: a window lasts this plus one batch). */
        @WithDefault("5s")
        Duration interval();
    }

    /**
     * The co-moment matrices behind least-squares compensation. A sampled window's batches also compute each block's
     * centred Gram matrix in the graph (about one more MLP forward pass per batch), merged in float64 and published as
     * upper-triangular tiles to {@code activation-comoments} in the window's transaction.
     */
    interface Covariance {
        /** Off: only the per-neuron moments are collected (mean-shift compensation only). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Fraction of transaction windows sampled, in (0, 1], spread evenly (the first window is sampled). Whole
         * windows rather than scattered batches: a window's tiles cost the same however few batches it sampled, so
         * this keeps the tile traffic at {@code sample-rate} x (tiles per window) per window. A sampled batch costs
         * about 1.2 more model passes on a DeiT-Small shape (the Gram is O(w²) per token), so the default of 0.1 keeps
         * the collector at about 0.8x plain inference there (docs/BENCHMARKS.md). 0 turns the sampling off.
         */
        @WithDefault("0.1")
        double sampleRate();

        /** Side of a tile, at most 362 so that a tile stays under Kafka's default 1 MB record. */
        @WithDefault("256")
        int tileSize();
    }

    interface Limits {
        /** Largest encoded image accepted. */
        @WithDefault("4194304")
        int maxBytes();

        /** Largest decoded image accepted (width x height), checked from the header before decoding. */
        @WithDefault("16777216")
        long maxPixels();
    }
}
