package io.vbpstream.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vbpstream.core.data.IdxImages;
import io.vbpstream.platform.LocalKafkaBroker;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.FileImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one command as a user runs it on their own model and images: {@code ./vbp-local --model M --images FOLDER
 * --until final}, with fmnist-vit under a card of its own that asks for ImageNet-style preprocessing (shorter side to
 * 32, bicubic, centre crop 28) and a folder of colour JPEGs at 64x60 in class sub-folders. It must follow continuous
 * recompression through every generation to the final target, print a line per generation and the summary, and stop
 * everything it started.
 */
class LocalRunIT {

    private static final Path ROOT = LocalKafkaBroker.repoRoot();
    private static final Pattern GENERATION = Pattern.compile(
            "generation (\\d+)\\s+(\\S+)\\s+(PROMOTED|REJECTED|ROLLED_BACK)\\s+MACs ([0-9.]+), params ([0-9.]+) of the base \\| agreement ([0-9.]+)");

    @Test
    void aFolderOfJpegsTakesTheModelThroughEveryGenerationToTheFinalTarget() throws Exception {
        Path dir = Files.createTempDirectory("vbp-local-it");
        Path model = dir.resolve("fmnist-jpeg/model.onnx");
        Files.createDirectories(model.getParent());
        Files.copy(ROOT.resolve("models/fmnist-vit/model.onnx"), model);
        ObjectMapper json = new ObjectMapper();
        ObjectNode card = (ObjectNode) json.readTree(ROOT.resolve("models/fmnist-vit/model.json").toFile());
        ((ObjectNode) card.get("input")).put("resize", 32).put("crop", "center").put("interpolation", "bicubic");
        json.writeValue(model.resolveSibling("model.json").toFile(), card);
        Path images = dir.resolve("images");
        writeJpegs(images, 1500);

        List<String> command = List.of("./vbp-local", "--model", model.toString(), "--images", images.toString(),
                "--until", "final", "--timeout", "900");
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("vbp-local.out").toFile());
        pb.environment().put("VBP_STATE", dir.resolve("state").toString());
        pb.environment().put("VBP_KAFKA_PORT", Integer.toString(LocalKafkaBroker.freePort()));
        Process p = pb.start();
        boolean ended = p.waitFor(20, TimeUnit.MINUTES);
        if (!ended) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String out = Files.readString(dir.resolve("vbp-local.out"), StandardCharsets.UTF_8);
        assertTrue(ended, "vbp-local ended in 20 minutes; its output:\n" + out);
        assertEquals(0, p.exitValue(), "vbp-local's exit status; its output:\n" + out);

        List<double[]> promoted = new ArrayList<>();
        Matcher m = GENERATION.matcher(out);
        while (m.find()) {
            if (m.group(3).equals("PROMOTED")) {
                promoted.add(new double[] {Integer.parseInt(m.group(1)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(6))});
            }
        }
        assertTrue(promoted.size() >= 2, "continuous recompression went on past the first step (10%) to the final "
                + "target (35%):\n" + out);
        double[] last = promoted.get(promoted.size() - 1);
        assertTrue(last[1] <= 0.651, "the last promoted generation has at least 35% fewer MACs than the base: " + last[1]);
        for (int i = 1; i < promoted.size(); i++) {
            assertTrue(promoted.get(i)[1] < promoted.get(i - 1)[1], "each generation has fewer MACs than the one before");
            assertEquals(promoted.get(i - 1)[0] + 1, promoted.get(i)[0], "generations follow each other");
        }
        assertTrue(out.contains("from the base") && out.contains("promoted  fmnist-jpeg/g" + (int) last[0]),
                "the summary of the last generation follows:\n" + out);
        assertTrue(out.contains("vbp-local: stopping the services and the broker"), out);
        String replay = Files.readString(dir.resolve("state/logs/replay.log"));
        assertTrue(replay.contains("round 2: sent 1500 images"), "the folder was replayed again for the later generations:\n" + replay);
    }

    /** Fashion-MNIST test images, enlarged to 64x60 colour JPEGs (quality 92), in sub-folders named by class. */
    private static void writeJpegs(Path dir, int n) throws Exception {
        IdxImages.Images set = IdxImages.readImages(ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), n);
        int[] labels = IdxImages.readLabels(ROOT.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), n);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.92f);
        try {
            for (int i = 0; i < n; i++) {
                BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                gray.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(set.pixels(), i * 784, (i + 1) * 784));
                BufferedImage rgb = new BufferedImage(64, 60, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = rgb.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
                g.drawImage(gray, 0, 0, 64, 60, null);
                g.dispose();
                File file = Files.createDirectories(dir.resolve(Integer.toString(labels[i]))).resolve(String.format("%05d.jpg", i)).toFile();
                try (FileImageOutputStream stream = new FileImageOutputStream(file)) {
                    writer.setOutput(stream);
                    writer.write(null, new IIOImage(rgb, null, null), param);
                }
            }
        } finally {
            writer.dispose();
        }
    }
}
