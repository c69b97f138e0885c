package io.vbpstream.pruner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.vbpstream.core.prune.Allocation;
import io.vbpstream.core.prune.Compensation;
import io.vbpstream.core.prune.Criterion;
import io.vbpstream.core.prune.PruningPolicy;

import java.time.Duration;
import java.util.Optional;

/** The pruner's settings ({@code vbp.pruner.*}). Defaults are justified in docs/RESULTS.md. */
@ConfigMapping(prefix = "vbp.pruner")
public interface PrunerConfig {

    /** Bearer token of the mutating endpoints (prune, promote, rollback); without one they answer 403. */
    Optional<String> adminToken();

    /**
     * This pruner's stable name (on Kubernetes the pod name): the transactional id of its {@code model-versions}
     * records derives from it. One pruner runs per model.
     */
    @WithDefault("${HOSTNAME:pruner-0}")
    String instanceId();

    /** Prune automatically when a promoted version's statistics converge. */
    @WithDefault("true")
    boolean auto();

    /** How often convergence is checked. */
    @WithDefault("2s")
    Duration checkInterval();

    Model model();

    Store store();

    Policy policy();

    Convergence convergence();

    Gate gate();

    interface Model {
        @WithDefault("fmnist-vit")
        String id();

        /** The model card: preprocessing and labels for the validation gate. */
        @WithDefault("models/fmnist-vit/model.json")
        String card();

        /** The generation-0 version, published as promoted if model-versions has none for this model. */
        @WithDefault("base")
        String baseVersion();

        /** Store address of the generation-0 artifact ({@code vbp-store:sha256/<hex>.onnx}). */
        String baseUri();
    }

    interface Store {
        @WithDefault(".vbp-local/store")
        String directory();
    }

    interface Policy {
        /**
         * reconstruction (greedy structured OBS, with least-squares compensation only), variance, weighted-variance,
         * magnitude or random; another value stops start-up, naming this setting. Unset: reconstruction with least
         * squares, variance with the mean shift or none ({@link PruningPolicy#defaultCriterion};
         * {@link io.vbpstream.pruner.prune.RecompressionSchedule#criterion} reads it). Reconstruction keeps the most
         * accuracy at every ratio (docs/RESULTS.md: 98.8% of the unpruned at ratio 0.8 against 97.6% for variance,
         * both with least squares) for about 25 s of 2 cores per prune at DeiT-Base on OpenBLAS (docs/BENCHMARKS.md).
         */
        Optional<Criterion> criterion();

        /** uniform or global. */
        @WithDefault(PruningPolicy.DEFAULT_ALLOCATION_TEXT)
        Allocation allocation();

        /**
         * least-squares (the collectors must publish co-moments: {@code vbp.collector.covariance.enabled}), mean or
         * none. Least squares keeps far more accuracy at a given ratio (docs/RESULTS.md).
         */
        @WithDefault("least-squares")
        Compensation compensation();

        /** α of least-squares compensation: the ridge is α · mean(diag Σ_KK). */
        @WithDefault(PruningPolicy.RIDGE_TEXT)
        double ridgeAlpha();

        /** MACs reduction (of the base model) added per step of continuous recompression. */
        @WithDefault("0.10")
        double step();

        /** Cumulative MACs reduction of the base model at which stepping stops. */
        @WithDefault("0.35")
        double finalTarget();

        @WithDefault(PruningPolicy.MIN_KEEP_TEXT)
        double minKeepFraction();

        @WithDefault(PruningPolicy.DEFAULT_WIDTH_MULTIPLE_TEXT)
        int widthMultiple();
    }

    interface Convergence {
        /** Samples (tokens) per block before a version can converge: 51 200 is 1024 fmnist-vit images. */
        @WithDefault("51200")
        long nMin();

        /** Jaccard overlap of the kept sets between snapshots {@code delta-n} samples apart. */
        @WithDefault("0.95")
        double stability();

        @WithDefault("51200")
        long deltaN();

        /**
         * Co-moment samples (sampled tokens) per block before least-squares compensation may use them: 512 images at
         * the collectors' default of 16 tokens per image. The covariance snapshots are taken at half of it and then n-min
         * apart (the collectors publish at 4096 and at each doubling, {@code vbp.collector.covariance.first-publication}).
         * On fmnist-vit the kept-removed covariance moves by 0.07-0.09 from 4096 to 8192 such samples, less than every
         * token of the same images moved from 128 to 256 images (docs/RESULTS.md).
         */
        @WithDefault("8192")
        long covarianceNMin();

        /**
         * Largest relative Frobenius change of each block's kept-removed covariance {@code Σ_KP} between the last two
         * covariance snapshots (a doubling of the samples) for least-squares compensation to go ahead. On fmnist-vit,
         * with 8 tokens per image, a doubling from 2048 to 4096 samples changes it by 0.11-0.12 and from 4096 to 8192
         * by 0.07-0.09 (docs/RESULTS.md).
         */
        @WithDefault("0.15")
        double covarianceTolerance();
    }

    interface Gate {
        /**
         * Most recent images validated on: those the parent has predicted (its answers read from
         * {@code predictions}, so only the candidate runs), or, when fewer than {@code min-images} of them can be read
         * back, the last records of {@code images} (both models run).
         */
        @WithDefault("512")
        int images();

        /**
         * The fewest images a verdict may rest on: a smaller sample is rejected with a reason, and the gate stops
         * early (its confidence bounds clear or miss the thresholds) only from here on.
         */
        @WithDefault("200")
        int minImages();

        /** Confidence of the early stop's bounds, over all the looks of one gate together. */
        @WithDefault("0.95")
        double confidence();

        @WithDefault("0.90")
        double minAgreement();

        /** Candidate accuracy / parent accuracy on the labelled images, when there are any. */
        @WithDefault("0.95")
        double minRelativeAccuracy();

        /**
         * Images per candidate run. Small, because the gate looks after each batch (from {@code min-images} on) and
         * ONNX Runtime holds a batch's activations: at DeiT-Base a batch of 64 is 155 MB per hidden tensor.
         */
        @WithDefault("16")
        int batch();
    }
}
