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
        /** Images per inference call, at most (see {@code max-activation-bytes}). */
        @WithDefault("32")
        int size();

        /**
         * The largest MLP hidden tensor a batch may have ({@code images · tokens · width · 4} bytes): a wider model
         * gets smaller batches. ONNX Runtime's arena keeps the largest batch's intermediate tensors for good, so this
         * bounds the collector's native memory: 48 MiB gives fmnist-vit and DeiT-Small batches of 32 and DeiT-Base
         * batches of 20 (docs/BENCHMARKS.md measures RSS and speed at both sizes).
         */
        @WithDefault("50331648")
        long maxActivationBytes();

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
     * The co-moment matrices behind least-squares compensation. Every batch also returns each block's activations at
     * {@code tokens-per-image} tokens of each image, drawn at random, gathered inside the graph; the collector
     * computes their Gram {@code gram-rows} rows at a time, merges it in float64 across windows and publishes the accumulation as upper-triangular float32 tiles to
     * {@code activation-comoments}: first after {@code first-publication} samples, then each time as many more have
     * been gathered as were published (n, 2n, 4n, ...), and at the latest {@code max-interval} after the first sample.
     */
    interface Covariance {
        /** Off: only the per-neuron moments are collected (mean-shift compensation only). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Tokens of each image whose activations feed the co-moments (all of them if the model has fewer). The Gram
         * costs {@code tokens-per-image / tokens} of what it would over every token, and only its upper triangle is
         * computed: on a DeiT-Base shape (197 tokens) 16 are about 6% of a forward pass in multiply-adds, and a few
         * tokens of many images are far more independent samples than every token of a few (docs/BENCHMARKS.md). 16
         * move the covariance per sample as much as 8 (docs/RESULTS.md), so it is trusted after half the images.
         */
        @WithDefault("16")
        int tokensPerImage();

        /**
         * Samples (tokens per block) before a version's first publication: half the pruner's
         * {@code vbp.pruner.convergence.covariance-n-min}, so that its first two covariance snapshots are the first
         * two publications.
         */
        @WithDefault("4096")
        long firstPublication();

        /**
         * The longest co-moments are gathered before they are published, counted from the first sample: bounds what a
         * crash loses, and sets the traffic at a high rate (one publication, 0.74 GB of Kafka writes at DeiT-Base
         * counting the aggregator's, per interval).
         */
        @WithDefault("10m")
        Duration maxInterval();

        /** Side of a tile, at most 362 so that a tile stays under Kafka's default 1 MB record. */
        @WithDefault("256")
        int tileSize();

        /**
         * Sampled rows of a block gathered before their Gram is computed (32 images at 16 tokens): a larger product is
         * merged less often (its cost per row is about the same from 256 rows up, docs/BENCHMARKS.md), for
         * {@code 4 · gram-rows · width} bytes of heap per block (6 MB at a width of 3072).
         */
        @WithDefault("512")
        int gramRows();
    }

    interface Limits {
        /** Largest encoded image accepted. */
        @WithDefault("4194304")
        int maxBytes();

        /** Largest decoded image accepted (width x height), checked from the header before decoding. */
        @WithDefault("16777216")
        long maxPixels();

        /**
         * Largest record key accepted, in bytes (at most 16384): a prediction copies the key, and must fit
         * {@code predictions}' 1 MiB. A longer one is dead-lettered as {@code KEY_TOO_LARGE}, its key cut to 256
         * characters.
         */
        @WithDefault("1024")
        int maxKeyBytes();

        /**
         * Largest total of a record's header names and values accepted, in bytes (at most 32768): a prediction copies
         * the {@code label} header and a dead letter every header. More is dead-lettered as {@code HEADER_TOO_LARGE},
         * without its headers.
         */
        @WithDefault("16384")
        int maxHeaderBytes();
    }
}
