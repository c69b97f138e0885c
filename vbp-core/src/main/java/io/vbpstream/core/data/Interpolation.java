package io.vbpstream.core.data;

import java.util.Locale;

/**
 * The resampling filters of Pillow's {@code Image.resize} (what torchvision's {@code Resize} runs on PIL images, and
 * so what timm's eval transforms run): the filter and its support, in input pixels at scale 1.
 */
public enum Interpolation {
    /** Pillow's {@code BILINEAR}: the triangle filter. */
    BILINEAR(1.0) {
        @Override
        double weight(double x) {
            x = Math.abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    },
    /** Pillow's {@code BICUBIC}: Keys' cubic with a = -0.5. */
    BICUBIC(2.0) {
        @Override
        double weight(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }
    };

    private final double support;

    Interpolation(double support) {
        this.support = support;
    }

    double support() {
        return support;
    }

    abstract double weight(double x);

    /** {@code bilinear} (also the default, for null) or {@code bicubic}; anything else is refused with the choices. */
    public static Interpolation parse(String name) {
        if (name == null || name.isBlank()) {
            return BILINEAR;
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "bilinear" -> BILINEAR;
            case "bicubic" -> BICUBIC;
            default -> throw new IllegalArgumentException("interpolation '" + name + "' is not bilinear or bicubic");
        };
    }
}
