package io.vbpstream.core.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vbpstream.core.cost.BlockCost;
import io.vbpstream.core.cost.CostModel;
import io.vbpstream.core.cost.ModelCost;
import io.vbpstream.core.onnx.MlpBlock;
import io.vbpstream.core.onnx.MlpBlockFinder;
import io.vbpstream.core.onnx.OnnxModels;
import io.vbpstream.core.prune.LineageMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true, description = "List MLP blocks, widths, parameters and MACs.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model file.")
    Path model;

    @Option(names = "--dim", description = "Value for a named dynamic input dimension, e.g. --dim sequence=128.")
    Map<String, Long> dims = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        OnnxModels.LoadedModel loaded = OnnxModels.read(model);
        ModelProto m = loaded.model();
        List<MlpBlock> blocks = MlpBlockFinder.find(m);
        ModelCost cost = CostModel.analyse(m, blocks, dims);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model.toString());
            out.put("sha256", loaded.sha256());
            out.put("opset", OnnxModels.defaultOpset(m));
            out.put("cost", cost);
            out.put("blocks", blocks.stream().map(b -> Map.of("name", b.name(), "activation", b.activation().name(),
                    "source", b.source(), "hidden", b.hidden())).toList());
            out.put("metadata", LineageMetadata.read(m));
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            return 0;
        }
        System.out.printf(Locale.ROOT, "model   %s%nsha256  %s%nir %d, opset %d, producer %s %s%n", model, loaded.sha256(),
                m.getIrVersion(), OnnxModels.defaultOpset(m), m.getProducerName(), m.getProducerVersion());
        System.out.printf(Locale.ROOT, "%n%-7s %-10s %6s %6s %6s %7s %12s %14s  %s%n", "block", "activation", "in", "width",
                "out", "tokens", "params", "MACs", "source");
        Map<String, MlpBlock> byName = new LinkedHashMap<>();
        blocks.forEach(b -> byName.put(b.name(), b));
        for (BlockCost c : cost.blocks()) {
            MlpBlock b = byName.get(c.block());
            System.out.printf(Locale.ROOT, "%-7s %-10s %6d %6d %6d %7d %12d %14d  %s%n", c.block(), b.activation(),
                    c.inFeatures(), c.width(), c.outFeatures(), c.tokens(), c.params(), c.macs(), b.source());
        }
        System.out.printf(Locale.ROOT, "%ntotal   params %,d (MLP %.1f%%), MACs at batch 1 %,d (MLP %.1f%%)%n", cost.params(),
                100.0 * cost.mlpParams() / cost.params(), cost.macs(), 100.0 * cost.mlpMacs() / cost.macs());
        Map<String, String> meta = LineageMetadata.read(m);
        meta.entrySet().stream().filter(e -> e.getKey().startsWith(LineageMetadata.PREFIX))
                .forEach(e -> System.out.printf("%-28s %s%n", e.getKey(), e.getValue()));
        return 0;
    }
}
