package io.vbpstream.core.linalg;

import java.util.Locale;

/** Picks {@link DenseKernels#best()} once: OpenBLAS unless told otherwise or it cannot load. */
final class KernelChoice {

    static final DenseKernels BEST;
    static final String REASON;

    static {
        String wanted = System.getProperty(DenseKernels.PROPERTY, System.getenv().getOrDefault("VBP_LINALG", "auto"))
                .trim().toLowerCase(Locale.ROOT);
        DenseKernels chosen;
        String reason = "";
        switch (wanted) {
            case "java" -> {
                chosen = new JavaKernels();
                reason = DenseKernels.PROPERTY + "=java";
            }
            case "openblas" -> chosen = OpenBlasKernels.load();
            case "auto" -> {
                DenseKernels native_;
                try {
                    native_ = OpenBlasKernels.load();
                } catch (RuntimeException | LinkageError e) {
                    native_ = null;
                    reason = "OpenBLAS did not load: " + e;
                }
                chosen = native_ != null ? native_ : new JavaKernels();
            }
            default -> throw new IllegalArgumentException(DenseKernels.PROPERTY + " must be auto, openblas or java, got '"
                    + wanted + "'");
        }
        BEST = chosen;
        REASON = reason;
    }

    private KernelChoice() {
    }
}
