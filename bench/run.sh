#!/usr/bin/env bash
# Runs the benchmarks and experiments behind docs/BENCHMARKS.md and docs/RESULTS.md.
#
#   bench/run.sh instrumentation [args]   in-graph moments vs plain inference vs copy-out (fmnist-vit, batch 64)
#   bench/run.sh results [args]           the fmnist-vit pruning sweep and kept-set convergence (needs the training
#                                         split: apt-get install dataset-fashion-mnist)
#   bench/run.sh compensation [args]      none / mean / least-squares at ratios 0.5-0.9 on fmnist-vit, the ridge α,
#                                         fewer calibration images (needs the training split, like results)
#   bench/run.sh selection [args]         VBP / FLAP / CORP-style / reconstruction at ratios 0.5-0.9, one shot against
#                                         stepwise, the selection time on the DeiT-Base shape (needs the training split)
#   bench/run.sh covariance-convergence   relative change of the kept-removed covariance as images double (fmnist-vit)
#   bench/run.sh deit-models              exports DeiT-Small/Base shaped models to target/deit (needs python3-torch)
#   bench/run.sh deit prune|speedup MODEL pruning time and heap (run with -Xmx = 3x the model file), ORT speedup
#   bench/run.sh collector [args]         activation-collector end to end (real broker, packaged service) vs plain ORT
#   bench/run.sh aggregator [args]        stats-aggregator merge rate vs a plain consumer; restore time
#   bench/run.sh pruner pipeline|deit M   pipeline throughput vs plain ORT, first image to promoted and its stages;
#                                         prune + gate time on a DeiT shape
#   bench/run.sh pipeline --model M [--rate R] [--images N] [--until first|final] [--linger S]
#                                         the whole pipeline on any model (heaps from vbp heap): per generation first
#                                         image -> candidate -> verdict and its stages, collector vs plain ORT (overall
#                                         and by phase), transactions, peak RSS/heap and CPU seconds per process,
#                                         bytes per topic per image; --linger: S more seconds of traffic at the end
#   bench/run.sh preprocess [--model M]   decoding + timm-style preprocessing of a 500x375 JPEG against one batch-1
#                                         inference of M (default DeiT-Small), both on one core
#   bench/run.sh soak [--minutes 10]      the three services for 10 minutes: RSS, live heap and lag slopes
#   bench/run.sh all                      everything above, output in target/bench/
set -euo pipefail
cd "$(dirname "$0")/.."
export OPT_OUT_TRACKING=true
[ -f vbp-bench/target/classpath.txt ] && [ -f vbp-bench/target/vbp-bench-0.1.0-SNAPSHOT.jar ] \
  || ./mvnw -q -B -DskipTests -pl vbp-bench -am package
CP="vbp-bench/target/vbp-bench-0.1.0-SNAPSHOT.jar:$(cat vbp-bench/target/classpath.txt)"
# a 16 MiB main-thread stack: parsing and optimising DeiT-Base-sized graphs overflowed the default 1 MiB (SIGSEGV)
run() { java -Xss16m -cp "$CP" "$@"; }
mkdir -p target/bench
services_built() {
  for m in activation-collector stats-aggregator pruner-service; do
    [ -f $m/target/quarkus-app/quarkus-run.jar ] || ./mvnw -q -B -DskipTests -pl $m -am package
  done
  [ -s deploy/local-broker/target/classpath.txt ] || ./mvnw -q -B -pl deploy/local-broker generate-resources
}

case "${1:-}" in
  instrumentation) shift; run -Xmx1g io.vbpstream.bench.InstrumentationBench "$@" ;;
  results) shift; run -Xmx2g io.vbpstream.bench.ResultsSweep "$@" ;;
  compensation) shift; run -Xmx2g io.vbpstream.bench.CompensationSweep "$@" ;;
  selection) shift; run -Xmx3g io.vbpstream.bench.SelectionSweep "$@" ;;
  covariance-convergence) shift; run -Xmx1g io.vbpstream.bench.CovarianceConvergence "$@" ;;
  collector) shift; services_built; run -Xmx1g io.vbpstream.bench.CollectorBench "$@" ;;
  aggregator) shift; services_built; run -Xmx1g io.vbpstream.bench.AggregatorBench "$@" ;;
  pruner) shift; services_built; run -Xmx3g io.vbpstream.bench.PrunerBench "$@" ;;
  preprocess) shift; run -Xmx1g -Dvbp.ort.threads=1 io.vbpstream.bench.PreprocessBench "$@" ;;
  soak) shift; services_built; run -Xmx1g io.vbpstream.bench.SoakBench "$@" ;;
  pipeline) shift; services_built; run -Xmx3g io.vbpstream.bench.PipelineBench "$@" ;;
  deit-models) /usr/bin/python3 models/scripts/make_deit.py target/deit ;;
  deit)
    shift; mode=$1; model=$2; shift 2
    if [ "$mode" = prune ]; then
      # the heap budget is the claim: at most 3x the model file (least squares adds the co-moment matrices:
      # 12 x 3072 x 3073 / 2 doubles on DeiT-Base, about as much again as the model)
      heap=$(( $(stat -c %s "$model") * 3 / 1048576 ))
      case " $* " in *" least-squares "*) heap=$(( heap * 2 )) ;; esac
      run "-Xmx${heap}m" io.vbpstream.bench.DeitBench prune "$model" "$@"
    else
      run -Xmx2g io.vbpstream.bench.DeitBench speedup "$model" "$@"
    fi ;;
  all)
    [ -f target/deit/deit-base/model.onnx ] || "$0" deit-models
    "$0" instrumentation | tee target/bench/instrumentation.txt
    "$0" preprocess | tee target/bench/preprocess.txt
    "$0" collector --images 6000 --batch 32 --rounds 3 | tee target/bench/collector.txt
    "$0" collector --model target/deit/deit-small/model.onnx --images 240 --batch 8 --rounds 3 \
      | tee target/bench/collector-deit-small.txt
    "$0" aggregator --deltas 6000 --rounds 3 | tee target/bench/aggregator.txt
    "$0" pruner pipeline --rounds 3 | tee target/bench/pruner-pipeline.txt
    "$0" pipeline | tee target/bench/pipeline-fmnist.txt
    "$0" pipeline --model target/deit/deit-small/model.onnx | tee target/bench/pipeline-deit-small.txt
    "$0" pipeline --model target/deit/deit-base/model.onnx | tee target/bench/pipeline-deit-base.txt
    "$0" pruner deit target/deit/deit-base/model.onnx | tee target/bench/pruner-deit-base.txt
    "$0" deit prune target/deit/deit-base/model.onnx --compensation least-squares | tee target/bench/prune-deit-base-ls.txt
    "$0" instrumentation --model target/deit/deit-small/model.onnx --batch 8 --rounds 20 | tee target/bench/instrumentation-deit-small.txt
    for m in small base; do
      "$0" deit prune "target/deit/deit-$m/model.onnx" | tee "target/bench/prune-deit-$m.txt"
      "$0" deit speedup "target/deit/deit-$m/model.onnx" | tee "target/bench/speedup-deit-$m.txt"
      "$0" deit prune "target/deit/deit-$m/model.onnx" --width-multiple 64 --repeats 1 | tee -a "target/bench/prune-deit-$m.txt"
      "$0" deit speedup "target/deit/deit-$m/model.onnx" --width-multiple 64 | tee -a "target/bench/speedup-deit-$m.txt"
    done
    "$0" results --out target/bench/results.md
    "$0" compensation --out target/bench/compensation.md
    "$0" covariance-convergence --out target/bench/covariance-convergence.md
    "$0" selection --out target/bench/selection.md
    "$0" soak --minutes 10 --rate 450 | tee target/bench/soak.txt ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
