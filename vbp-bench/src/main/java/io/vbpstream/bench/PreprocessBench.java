package io.vbpstream.bench;

import io.vbpstream.core.data.ImageDecoder;
import io.vbpstream.core.data.ModelCard;
import io.vbpstream.core.data.Preprocessor;
import io.vbpstream.core.runtime.ModelSession;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What an image costs before the model sees it, against what the model costs: decoding a 500x375 JPEG (quality 90)
 * and preprocessing it as timm's DeiT eval transform does (shorter side to 256, bicubic, centre crop 224, ImageNet
 * mean and std), against one batch-1 inference of the model, both on one core (run with {@code -Dvbp.ort.threads=1}),
 * interleaved, medians of the rounds.
 *
 * <pre>
 * bench/run.sh preprocess [--model target/deit/deit-small/model.onnx] [--rounds 7] [--images 50]
 * </pre>
 */
public final class PreprocessBench {

    private PreprocessBench() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(ResultsSweep.stringArg(args, "--model", "target/deit/deit-small/model.onnx"));
        int rounds = ResultsSweep.intArg(args, "--rounds", 7);
        int images = ResultsSweep.intArg(args, "--images", 50);
        byte[] jpeg = jpeg(500, 375, 90);
        Preprocessor pre = new Preprocessor(new ModelCard.Input("input", "NCHW", "rgb", 224, 224, 256, "center", "bicubic",
                new ModelCard.Normalisation(1 / 255.0, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225))));
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.DEFAULT);
        float[] input = new float[pre.size()];
        System.out.printf(Locale.ROOT, "%s%nmodel %s, one core (vbp.ort.threads=%s), a 500x375 JPEG of %,d bytes%n",
                Fixtures.machine(), model, System.getProperty("vbp.ort.threads", "all"), jpeg.length);
        try (ModelSession session = new ModelSession(model)) {
            long[] shape = {1, 3, 224, 224};
            for (int i = 0; i < 3; i++) { // warm-up
                prepare(decoder, pre, jpeg, input, images);
                session.logits(input, shape);
            }
            double[] decode = new double[rounds];
            double[] preprocess = new double[rounds];
            double[] infer = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                BufferedImage img = null;
                for (int i = 0; i < images; i++) {
                    img = decoder.decode(jpeg, "image/jpeg");
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < images; i++) {
                    pre.image(img, input, 0);
                }
                long t2 = System.nanoTime();
                int runs = 5;
                for (int i = 0; i < runs; i++) {
                    session.logits(input, shape);
                }
                long t3 = System.nanoTime();
                decode[r] = (t1 - t0) / 1e6 / images;
                preprocess[r] = (t2 - t1) / 1e6 / images;
                infer[r] = (t3 - t2) / 1e6 / runs;
            }
            double d = median(decode);
            double p = median(preprocess);
            double m = median(infer);
            System.out.printf(Locale.ROOT, "decode %.2f ms, preprocess %.2f ms, inference %.1f ms (medians of %d rounds)%n",
                    d, p, m, rounds);
            System.out.printf(Locale.ROOT, "(decode + preprocess) / inference = %.3f; preprocess alone / inference = %.3f%n",
                    (d + p) / m, p / m);
        }
    }

    private static void prepare(ImageDecoder decoder, Preprocessor pre, byte[] jpeg, float[] input, int n) {
        for (int i = 0; i < n; i++) {
            pre.image(decoder.decode(jpeg, "image/jpeg"), input, 0);
        }
    }

    /** A photo-like test card: smooth colour gradients, a few shapes and seeded grain, as a JPEG. */
    static byte[] jpeg(int w, int h, int quality) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        SplittableRandom rng = new SplittableRandom(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double cx = x - w * 0.6;
                double cy = y - h * 0.4;
                boolean disc = cx * cx + cy * cy < 90 * 90;
                int r = (int) (120 + 100 * Math.sin(x / 37.0) + rng.nextInt(-12, 13));
                int g = (int) (disc ? 200 : 90 + 60 * Math.cos(y / 23.0)) + rng.nextInt(-12, 13);
                int b = (int) (255.0 * y / h) + rng.nextInt(-12, 13);
                img.setRGB(x, y, clamp(r) << 16 | clamp(g) << 8 | clamp(b));
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
