package io.vbpstream.core.prune;

import io.vbpstream.core.onnx.LinearLayer;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.Tensors;
import io.vbpstream.core.stats.Moments;

import java.util.SplittableRandom;

/** Importance score per hidden neuron of a block; higher means more important. */
public final class NeuronScorer {

    private NeuronScorer() {
    }

    /**
     * @param moments the block's activation statistics; may be null for criteria that need none
     * @param seed    used by {@link Criterion#RANDOM}, mixed with the block ordinal
     */
    public static double[] score(MlpBlock block, int ordinal, Criterion criterion, Moments moments, long seed) {
        int w = block.width();
        if (criterion.needsStatistics()) {
            if (moments == null) {
                throw new IllegalArgumentException("criterion " + criterion + " needs activation statistics for " + block.name());
            }
            if (moments.width() != w) {
                throw new IllegalArgumentException("statistics for " + block.name() + " have width " + moments.width()
                        + " but the block has " + w + " neurons");
            }
            if (moments.count() < 2) {
                throw new IllegalArgumentException("statistics for " + block.name() + " hold " + moments.count() + " samples");
            }
        }
        return switch (criterion) {
            case VARIANCE -> moments.variance();
            case WEIGHTED_VARIANCE -> {
                double[] v = moments.variance();
                double[] norms = rowNormsSquared(block.fc2());
                for (int j = 0; j < w; j++) {
                    v[j] *= norms[j];
                }
                yield v;
            }
            case MAGNITUDE -> {
                double[] n = fc1ColumnNormsSquared(block.fc1());
                for (int j = 0; j < w; j++) {
                    n[j] = Math.sqrt(n[j]);
                }
                yield n;
            }
            case RECONSTRUCTION -> throw new IllegalArgumentException(
                    "the reconstruction criterion is an order over a block's neurons, not a score (PlanBuilder)");
            case RANDOM -> {
                SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + ordinal);
                double[] r = new double[w];
                for (int j = 0; j < w; j++) {
                    r[j] = rng.nextDouble();
                }
                yield r;
            }
        };
    }

    /** Squared L2 norm of each hidden neuron's weights in fc2 (its row for [in, out] storage). */
    static double[] rowNormsSquared(LinearLayer fc2) {
        float[] w2 = Tensors.floats(fc2.weight());
        int hidden = fc2.inFeatures();
        int out = fc2.outFeatures();
        double[] n = new double[hidden];
        for (int j = 0; j < hidden; j++) {
            for (int o = 0; o < out; o++) {
                double x = fc2.outFeaturesFirst() ? w2[o * hidden + j] : w2[j * out + o];
                n[j] += x * x;
            }
        }
        return n;
    }

    /** fc2's weights as row-major {@code hidden x out} doubles: one row per hidden neuron, whatever the storage. */
    static double[] fc2Rows(LinearLayer fc2) {
        float[] w2 = Tensors.floats(fc2.weight());
        int hidden = fc2.inFeatures();
        int out = fc2.outFeatures();
        double[] rows = new double[hidden * out];
        for (int j = 0; j < hidden; j++) {
            for (int o = 0; o < out; o++) {
                rows[j * out + o] = fc2.outFeaturesFirst() ? w2[o * hidden + j] : w2[j * out + o];
            }
        }
        return rows;
    }

    /** Squared L2 norm of each hidden neuron's incoming weights in fc1. */
    static double[] fc1ColumnNormsSquared(LinearLayer fc1) {
        float[] w1 = Tensors.floats(fc1.weight());
        int in = fc1.inFeatures();
        int hidden = fc1.outFeatures();
        double[] n = new double[hidden];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < hidden; j++) {
                double x = fc1.outFeaturesFirst() ? w1[j * in + i] : w1[i * hidden + j];
                n[j] += x * x;
            }
        }
        return n;
    }
}
