package io.vbpstream.core.cli;

import io.vbpstream.core.cost.HeapBudget;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "heap", mixinStandardHelpOptions = true,
        description = "The heap each service needs for a model (the rule in HeapBudget): collector=... aggregator=... pruner=...")
final class HeapCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model file.")
    Path model;

    @Option(names = "--card", description = "Model card (default: model.json beside the model).")
    Path card;

    @Option(names = "--gate-images", defaultValue = "512", description = "The validation gate's sample (default: ${DEFAULT-VALUE}).")
    int gateImages;

    @Option(names = "--no-covariance", description = "Co-moments off (mean-shift compensation only).")
    boolean noCovariance;

    @Override
    public Integer call() throws Exception {
        Path cardFile = card != null ? card : model.toAbsolutePath().resolveSibling("model.json");
        ModelCard.Input in = ModelCard.read(cardFile).input();
        List<Integer> widths = MlpBlockFinder.find(OnnxModels.read(model).model()).stream().map(MlpBlock::width).toList();
        System.out.println(HeapBudget.of(Files.size(model), widths, (long) in.channels() * in.height() * in.width(),
                gateImages, !noCovariance));
        return 0;
    }
}
