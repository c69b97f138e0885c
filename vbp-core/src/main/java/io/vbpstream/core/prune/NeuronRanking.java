package io.vbpstream.core.prune;

import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.stats.CoMoments;
import io.vbpstream.core.stats.ModelStatistics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Per block, the order in which a criterion gives up its neurons, as {@link PlanBuilder} plans with it.
 *
 * @param scores per block, higher means kept longer: the criterion's score, or for reconstruction the removal position
 * @param ranks  per block, what global allocation ranks across blocks (lowest removed first): the scores' z-scores,
 *               or for reconstruction the error each removal adds relative to the block's output energy
 */
record NeuronRanking(List<double[]> scores, List<double[]> ranks) {

    /**
     * The ranking of {@code blocks} under the policy's criterion, reconstruction orders going no further than
     * {@code minKeep} neurons per block.
     *
     * @param stats may be null when the criterion needs no statistics
     */
    static NeuronRanking of(List<MlpBlock> blocks, ModelStatistics stats, PruningPolicy policy, int[] minKeep) {
        List<double[]> scores = new ArrayList<>();
        List<double[]> ranks = new ArrayList<>();
        if (policy.criterion() == Criterion.RECONSTRUCTION) {
            List<ReconstructionOrder.Order> orders = reconstructionOrders(blocks, stats, policy.ridge(), minKeep);
            for (int b = 0; b < blocks.size(); b++) {
                int w = blocks.get(b).width();
                ReconstructionOrder.Order order = orders.get(b);
                double[] position = new double[w];
                double[] rank = new double[w];
                Arrays.fill(position, Double.POSITIVE_INFINITY);
                Arrays.fill(rank, Double.POSITIVE_INFINITY);
                double[] errors = order.monotoneErrors();
                double energy = order.energy() > 0 ? order.energy() : 1;
                for (int i = 0; i < order.neurons().length; i++) {
                    position[order.neurons()[i]] = i;
                    rank[order.neurons()[i]] = errors[i] / energy;
                }
                scores.add(position);
                ranks.add(rank);
            }
            return new NeuronRanking(scores, ranks);
        }
        for (int b = 0; b < blocks.size(); b++) {
            MlpBlock blk = blocks.get(b);
            double[] s = NeuronScorer.score(blk, b, policy.criterion(),
                    stats == null || !policy.criterion().needsStatistics() ? null : stats.get(blk.name()), policy.seed());
            scores.add(s);
            ranks.add(zScores(s));
        }
        return new NeuronRanking(scores, ranks);
    }

    /** Every block's greedy order down to its minimum, {@link PlanBuilder#RECONSTRUCTION_WORKERS} blocks at a time. */
    private static List<ReconstructionOrder.Order> reconstructionOrders(List<MlpBlock> blocks, ModelStatistics stats,
                                                                     double ridge, int[] minKeep) {
        ReconstructionOrder.Order[] out = new ReconstructionOrder.Order[blocks.size()];
        int threads = Math.min(PlanBuilder.RECONSTRUCTION_WORKERS, Runtime.getRuntime().availableProcessors());
        inParallel(blocks.size(), threads, b -> {
            MlpBlock blk = blocks.get(b);
            CoMoments c = Fc2Compensation.requireCoMoments(stats, blk, "the reconstruction criterion");
            int w = blk.width();
            out[b] = ReconstructionOrder.compute(c, NeuronScorer.fc2Rows(blk.fc2()), blk.fc2().outFeatures(), ridge,
                    w - minKeep[b], PlanBuilder.reconstructionChunk(w));
        });
        return List.of(out);
    }

    /** Runs {@code task} for 0..n-1 on {@code threads} threads; the first failure is rethrown as it was. */
    private static void inParallel(int n, int threads, IntConsumer task) {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i; failure.get() == null && (i = next.getAndIncrement()) < n; ) {
                try {
                    task.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        List<Thread> started = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, n); t++) {
            Thread th = new Thread(worker, "vbp-reconstruction-" + t);
            th.setDaemon(true);
            th.start();
            started.add(th);
        }
        worker.run();
        boolean interrupted = false;
        for (Thread th : started) {
            while (th.isAlive()) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    // no new block is started; the running ones end before this returns (they hold the heap)
                    failure.compareAndSet(null, new IllegalStateException("interrupted while computing the "
                            + "reconstruction orders", e));
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    static double[] zScores(double[] s) {
        double mean = Arrays.stream(s).average().orElse(0);
        double var = Arrays.stream(s).map(x -> (x - mean) * (x - mean)).sum() / s.length;
        double sd = Math.sqrt(var);
        return Arrays.stream(s).map(x -> sd == 0 ? 0 : (x - mean) / sd).toArray();
    }
}
