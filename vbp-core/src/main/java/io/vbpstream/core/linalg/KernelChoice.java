package io.vbpstream.core.linalg;

import java.util.Locale;

/**
 * Picks {@link DenseKernels#best()} once: OpenBLAS unless told otherwise or it cannot load. A setting that cannot be
 * honoured (not one of the choices, or {@code openblas} where it does not load) is not thrown from the class's
 * initialiser: it is kept as {@link #PROBLEM}, for a service to check at start-up and stop with, and
 * {@link DenseKernels#best()} throws it as an {@link IllegalStateException}.
 */
final class KernelChoice {

    /** What {@code vbp.linalg} gave: the kernels (null with a problem), why they are not OpenBLAS, what is wrong. */
    record Choice(DenseKernels kernels, String reason, String problem) {
    }

    private static final Choice CHOSEN = choose(System.getProperty(DenseKernels.PROPERTY,
            System.getenv().getOrDefault("VBP_LINALG", "auto")));

    static final DenseKernels BEST = CHOSEN.kernels();
    static final String REASON = CHOSEN.reason();
    static final String PROBLEM = CHOSEN.problem();

    private KernelChoice() {
    }

    /** The kernels for a setting of {@code vbp.linalg}: {@code auto}, {@code openblas} or {@code java}. */
    static Choice choose(String setting) {
        String wanted = setting.trim().toLowerCase(Locale.ROOT);
        switch (wanted) {
            case "java" -> {
                return new Choice(new JavaKernels(), DenseKernels.PROPERTY + "=java", null);
            }
            case "openblas" -> {
                try {
                    return new Choice(OpenBlasKernels.load(), "", null);
                } catch (RuntimeException | LinkageError e) {
                    return new Choice(null, "", DenseKernels.PROPERTY + "=openblas (or VBP_LINALG) asks for OpenBLAS,"
                            + " which did not load: " + e + "; set it to auto to fall back to the Java kernels");
                }
            }
            case "auto" -> {
                try {
                    return new Choice(OpenBlasKernels.load(), "", null);
                } catch (RuntimeException | LinkageError e) {
                    return new Choice(new JavaKernels(), "OpenBLAS did not load: " + e, null);
                }
            }
            default -> {
                return new Choice(null, "", DenseKernels.PROPERTY + " (or VBP_LINALG) must be auto, openblas or java,"
                        + " got '" + setting + "'");
            }
        }
    }
}
