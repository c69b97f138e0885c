/**
 * The transactional loop (a shell over the rest: its settings with the batch and poll sizes they give a model; the
 * producer/consumer pair it opens and closes together; the transactions around the open window; one poll run batch by
 * batch; one batch's inference with its image-by-image retry; what a batch's results give the window; the records of
 * a transaction built from values alone), what one transaction covers, the co-moments gathered since the last
 * publication, admission and decoding with refusal reasons, softmax top-k.
 *
 * <p>Classes: {@code CollectorLoop}, {@code LoopSettings}, {@code CollectorClients}, {@code WindowTransactions} (begin,
 * commit with the deltas, the due co-moments and the offsets, abort with a rewind to the committed offsets, the
 * rebalance listener), {@code PollBatches} (a poll's records consumed into the window, admitted, decoded or
 * dead-lettered, inferred per full batch, the caller deciding between batches), {@code BatchInference},
 * {@code WindowOutcomes} (predictions and dead letters sent in the transaction, moments added to the window, sampled
 * rows to the accumulation), {@code WindowRecords}, {@code MomentsWindow}, {@code CoMomentsAccumulator},
 * {@code ImageIntake}, {@code TopK}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.collector.pipeline;
