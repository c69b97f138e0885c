package io.vbpstream.core.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The offline pipeline in one command, on the committed model and test split. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Gather statistics, prune at a MACs target with mean shift, and evaluate against the original: "
                + "calibration on the first half of the Fashion-MNIST test split, evaluation on the second half.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--root", defaultValue = ".", description = "Repository root (default: current directory).")
    Path root;

    @Option(names = "--macs-reduction", defaultValue = "0.35", description = "MACs reduction target (default ${DEFAULT-VALUE}).")
    double macs;

    @Option(names = "--out", defaultValue = "target/demo", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path model = root.resolve("models/fmnist-vit/model.onnx");
        Path images = root.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
        Path labels = root.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        Path dir = root.resolve(out);
        Files.createDirectories(dir);
        Path calibration = dir.resolve("calibration");
        Path evaluation = dir.resolve("evaluation");
        // split the test IDX into two halves: 5000 images to calibrate on, the other 5000 to evaluate on
        io.vbpstream.core.data.IdxSplit.split(images, labels, 5000, calibration, evaluation);
        String[][] steps = {
            {"inspect", model.toString()},
            {"stats", "--model", model.toString(), "--images", calibration.resolve("images.idx").toString(),
                "--out", dir.resolve("stats.bin").toString()},
            {"prune", "--model", model.toString(), "--stats", dir.resolve("stats.bin").toString(), "--criterion", "variance",
                "--macs-reduction", Double.toString(macs), "--out", dir.resolve("pruned.onnx").toString(),
                "--report", dir.resolve("report.json").toString()},
            {"eval", "--model", dir.resolve("pruned.onnx").toString(), "--card", model.resolveSibling("model.json").toString(),
                "--reference", model.toString(), "--images", evaluation.resolve("images.idx").toString(),
                "--labels", evaluation.resolve("labels.idx").toString()}};
        for (String[] step : steps) {
            System.out.println("\n$ vbp " + String.join(" ", step));
            int code = VbpCli.run(step);
            if (code != 0) {
                return code;
            }
        }
        System.out.println("\npruned model: " + dir.resolve("pruned.onnx") + ", report: " + dir.resolve("report.json"));
        return 0;
    }
}
