package io.vbpstream.core.prune;

import io.vbpstream.core.cost.BlockCost;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.stats.ModelStatistics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Turns scores, an allocation and a target into a {@link PruningPlan}. */
public final class PlanBuilder {

    /**
     * Neurons the reconstruction criterion removes per greedy step in a block of width {@code w}: one at a time up to
     * 256 neurons, then {@code ceil(w / 256)} (12 for DeiT's 3072), so no block takes more than 256 steps.
     */
    static int reconstructionChunk(int w) {
        return Math.max(1, (w + 255) / 256);
    }

    private final List<MlpBlock> blocks;
    /** Per block, higher means kept longer: the criterion's score, or for reconstruction the removal position. */
    private final List<double[]> scores;
    /** Per block, what global allocation ranks across blocks (lowest removed first). */
    private final List<double[]> ranks;
    private final int[] minKeep;
    private final PruningPolicy policy;

    /**
     * @param stats may be null when the criterion needs no statistics
     */
    public PlanBuilder(List<MlpBlock> blocks, ModelStatistics stats, PruningPolicy policy) {
        this.blocks = blocks;
        this.policy = policy;
        this.minKeep = new int[blocks.size()];
        for (int b = 0; b < blocks.size(); b++) {
            minKeep[b] = Math.max(1, (int) Math.ceil(policy.minKeepFraction() * blocks.get(b).width()));
        }
        NeuronRanking ranking = NeuronRanking.of(blocks, stats, policy, minKeep);
        this.scores = ranking.scores();
        this.ranks = ranking.ranks();
    }

    /**
     * Blocks whose greedy orders are computed at once: each holds about four {@code w x w} double matrices (306 MB at
     * DeiT's 3072), so the heap they need stays the same on any number of cores ({@code HeapBudget}).
     */
    public static final int RECONSTRUCTION_WORKERS = 2;

    /** The plan for the policy's target; {@code cost} is needed for a MACs target. */
    public PruningPlan build(ModelCost cost) {
        if (policy.target() instanceof PruningTarget.NeuronRatio r) {
            return policy.allocation() == Allocation.UNIFORM ? uniform(r.ratio()) : global(totalToRemove(r.ratio()));
        }
        double target = ((PruningTarget.MacsReduction) policy.target()).fraction();
        if (cost == null) {
            throw new IllegalArgumentException("a MACs target needs the model's cost");
        }
        return forMacs(cost, target);
    }

    /** The same fraction in every block: {@code round(ratio * width)} removed, capped by the per-block minimum. */
    public PruningPlan uniform(double ratio) {
        List<BlockPlan> plans = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            int w = blocks.get(b).width();
            int remove = Math.min((int) Math.round(ratio * w), w - minKeep[b]);
            plans.add(split(b, lowest(scores.get(b), remove)));
        }
        return new PruningPlan(plans);
    }

    /**
     * Removes the {@code total} neurons with the lowest ranks across all blocks: per-block z-scores of the criterion
     * (FLAP), or for reconstruction the error each removal adds relative to the block's output energy.
     */
    public PruningPlan global(int total) {
        // ties within a block go to the lower score (for reconstruction: the earlier removal)
        record Candidate(int block, int neuron, double z, double score) {
        }
        List<Candidate> all = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            double[] z = ranks.get(b);
            for (int j = 0; j < z.length; j++) {
                all.add(new Candidate(b, j, z[j], scores.get(b)[j]));
            }
        }
        all.sort(Comparator.comparingDouble(Candidate::z).thenComparingInt(Candidate::block)
                .thenComparingDouble(Candidate::score).thenComparingInt(Candidate::neuron));
        int[] removable = new int[blocks.size()];
        for (int b = 0; b < blocks.size(); b++) {
            removable[b] = blocks.get(b).width() - minKeep[b];
        }
        List<List<Integer>> removed = new ArrayList<>();
        blocks.forEach(x -> removed.add(new ArrayList<>()));
        int left = total;
        for (Candidate c : all) {
            if (left == 0) {
                break;
            }
            if (removed.get(c.block()).size() < removable[c.block()]) {
                removed.get(c.block()).add(c.neuron());
                left--;
            }
        }
        List<BlockPlan> plans = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            plans.add(split(b, removed.get(b).stream().mapToInt(Integer::intValue).toArray()));
        }
        return new PruningPlan(plans);
    }

    private PruningPlan forMacs(ModelCost cost, double target) {
        Map<String, BlockCost> byBlock = cost.byBlock();
        long maxSaving = 0;
        for (int b = 0; b < blocks.size(); b++) {
            maxSaving += (long) (blocks.get(b).width() - minKeep[b]) * byBlock.get(blocks.get(b).name()).macsPerNeuron();
        }
        if (maxSaving < target * cost.macs()) {
            throw new IllegalArgumentException(String.format(
                    "a %.1f%% MACs reduction is unreachable: MLP blocks hold %.1f%% of the model's MACs and keeping "
                            + "the minimum per block saves at most %.1f%%", 100 * target,
                    100.0 * cost.mlpMacs() / cost.macs(), 100.0 * maxSaving / cost.macs()));
        }
        if (policy.allocation() == Allocation.GLOBAL) {
            int lo = 0;
            int hi = blocks.stream().mapToInt(MlpBlock::width).sum();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (saving(global(mid), byBlock) >= target * cost.macs()) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return global(lo);
        }
        double lo = 0;
        double hi = 1;
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (saving(uniform(mid), byBlock) >= target * cost.macs()) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return uniform(hi);
    }

    private static long saving(PruningPlan plan, Map<String, BlockCost> byBlock) {
        return plan.blocks().stream().mapToLong(p -> p.removed().length * byBlock.get(p.block()).macsPerNeuron()).sum();
    }

    private int totalToRemove(double ratio) {
        return (int) Math.round(ratio * blocks.stream().mapToInt(MlpBlock::width).sum());
    }

    /**
     * Rounds the kept width down to the policy's width multiple by also removing the lowest-scoring kept neurons. It
     * never goes below the block's minimum, rounded up to a multiple; a kept width already below that stays as it is.
     */
    private int[] aligned(int b, int[] removed) {
        int m = policy.widthMultiple();
        int w = blocks.get(b).width();
        int kept = w - removed.length;
        int floor = (minKeep[b] + m - 1) / m * m;
        int target = Math.max(floor, kept / m * m);
        if (m == 1 || target >= kept) {
            return removed;
        }
        boolean[] gone = new boolean[w];
        for (int j : removed) {
            gone[j] = true;
        }
        double[] s = scores.get(b);
        int[] extra = IntStream.range(0, w).filter(j -> !gone[j]).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> s[j]).thenComparingInt(j -> j))
                .limit(kept - target).mapToInt(Integer::intValue).toArray();
        int[] out = Arrays.copyOf(removed, removed.length + extra.length);
        System.arraycopy(extra, 0, out, removed.length, extra.length);
        return out;
    }

    private BlockPlan split(int b, int[] requested) {
        int[] removed = aligned(b, requested);
        int w = blocks.get(b).width();
        boolean[] gone = new boolean[w];
        for (int j : removed) {
            gone[j] = true;
        }
        int[] kept = IntStream.range(0, w).filter(j -> !gone[j]).toArray();
        int[] rem = removed.clone();
        Arrays.sort(rem);
        return new BlockPlan(blocks.get(b).name(), w, kept, rem);
    }

    /** Indices of the {@code k} lowest scores (ties broken by index). */
    static int[] lowest(double[] s, int k) {
        return IntStream.range(0, s.length).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> s[j]).thenComparingInt(j -> j))
                .limit(Math.max(0, k)).mapToInt(Integer::intValue).toArray();
    }
}
