package io.vbpstream.core.linalg;

import org.bytedeco.javacpp.Pointer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both kernel sets against plain triple loops and EJML, on seeded matrices; sub-blocks addressed in place. */
class DenseKernelsTest {

    private static final List<DenseKernels> BOTH = List.of(DenseKernels.plainJava(), DenseKernels.openBlas());

    @Test
    void openBlasIsWhatThisPlatformUses() {
        boolean bundled = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        assertTrue(bundled, "these tests run where the bundled natives are linux-x86_64");
        assertEquals("openblas", DenseKernels.best().name(), DenseKernels.fallbackReason());
        assertEquals("", DenseKernels.fallbackReason());
    }

    @Test
    void aSettingThatCannotBeHonouredIsAProblemToStopWithNotAnInitialiserError() {
        KernelChoice.Choice bad = KernelChoice.choose("fast");
        assertNull(bad.kernels());
        assertTrue(bad.problem().contains("must be auto, openblas or java, got 'fast'"), bad.problem());
        assertEquals("java", KernelChoice.choose(" Java ").kernels().name());
        assertEquals("vbp.linalg=java", KernelChoice.choose("java").reason());
        assertNull(KernelChoice.choose("auto").problem());
        assertEquals("openblas", KernelChoice.choose("openblas").kernels().name());
        assertNull(DenseKernels.settingProblem(), "this JVM's own setting");
    }

    @Test
    void gemmOnSubBlocksMatchesTheDefinitionForEveryTransposition() {
        SplittableRandom rnd = new SplittableRandom(11);
        int m = 7;
        int n = 5;
        int k = 6;
        int ld = 9; // every operand sits at row 1, column 2 of a 9-wide matrix
        for (DenseKernels kernels : BOTH) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    DoubleBuffer a = random(kernels, 10 * ld, rnd);
                    DoubleBuffer b = random(kernels, 10 * ld, rnd);
                    DoubleBuffer c = random(kernels, 10 * ld, rnd);
                    double[] before = new double[10 * ld];
                    c.get(0, before);
                    int off = ld + 2;
                    kernels.gemm(ta, tb, m, n, k, -0.5, a, off, ld, b, off, ld, 2, c, off, ld);
                    for (int i = 0; i < 10; i++) {
                        for (int j = 0; j < ld; j++) {
                            double expected = before[i * ld + j];
                            if (i >= 1 && i < 1 + m && j >= 2 && j < 2 + n) {
                                double dot = 0;
                                for (int p = 0; p < k; p++) {
                                    double x = ta ? a.get(off + p * ld + (i - 1)) : a.get(off + (i - 1) * ld + p);
                                    double y = tb ? b.get(off + (j - 2) * ld + p) : b.get(off + p * ld + (j - 2));
                                    dot += x * y;
                                }
                                expected = 2 * expected - 0.5 * dot;
                            }
                            assertEquals(expected, c.get(i * ld + j), 1e-12,
                                    kernels.name() + " transA " + ta + " transB " + tb + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theInverseAndTheSolveOfAPositiveDefiniteMatrixMatchEjml() {
        SplittableRandom rnd = new SplittableRandom(12);
        int n = 40;
        DMatrixRMaj f = new DMatrixRMaj(n, n);
        for (int i = 0; i < f.data.length; i++) {
            f.data[i] = rnd.nextGaussian();
        }
        DMatrixRMaj spd = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(f, f, spd);
        for (int i = 0; i < n; i++) {
            spd.add(i, i, 0.1);
        }
        DMatrixRMaj inverse = new DMatrixRMaj(n, n);
        assertTrue(CommonOps_DDRM.invert(spd, inverse));
        DMatrixRMaj rhs = new DMatrixRMaj(n, 3);
        for (int i = 0; i < rhs.data.length; i++) {
            rhs.data[i] = rnd.nextGaussian();
        }
        DMatrixRMaj x = new DMatrixRMaj(n, 3);
        CommonOps_DDRM.mult(inverse, rhs, x);
        double scale = CommonOps_DDRM.elementMaxAbs(inverse);
        for (DenseKernels kernels : BOTH) {
            DoubleBuffer a = alloc(kernels, n * n);
            a.put(0, spd.data);
            assertTrue(kernels.invertSpd(a, n), kernels.name());
            for (int i = 0; i < n * n; i++) {
                assertEquals(inverse.data[i], a.get(i), 1e-9 * scale, kernels.name() + " inverse element " + i);
            }
            DoubleBuffer a2 = alloc(kernels, n * n);
            a2.put(0, spd.data);
            DoubleBuffer b = alloc(kernels, n * 3);
            b.put(0, rhs.data);
            assertTrue(kernels.solveSpd(a2, n, b, 3), kernels.name());
            for (int i = 0; i < n * 3; i++) {
                assertEquals(x.data[i], b.get(i), 1e-9 * CommonOps_DDRM.elementMaxAbs(x), kernels.name() + " solution " + i);
            }
        }
    }

    @Test
    void aMatrixThatIsNotPositiveDefiniteIsRefused() {
        for (DenseKernels kernels : BOTH) {
            DoubleBuffer a = alloc(kernels, 4);
            a.put(0, new double[] {1, 2, 2, 1}); // eigenvalues 3 and -1
            assertFalse(kernels.invertSpd(a, 2), kernels.name());
            DoubleBuffer a2 = alloc(kernels, 4);
            a2.put(0, new double[] {1, 2, 2, 1});
            assertFalse(kernels.solveSpd(a2, 2, alloc(kernels, 2), 1), kernels.name());
        }
    }

    @Test
    void eachKernelSetRefusesTheOthersBuffers() {
        DenseKernels heap = DenseKernels.plainJava();
        DenseKernels blas = DenseKernels.openBlas();
        assertThrows(IllegalArgumentException.class, () -> blas.invertSpd(alloc(heap, 1), 1));
        DoubleBuffer direct = alloc(blas, 1);
        assertThrows(IllegalArgumentException.class,
                () -> heap.gemm(false, false, 1, 1, 1, 1, direct, 0, 1, direct, 0, 1, 0, alloc(heap, 1), 0, 1));
    }

    @Test
    void closingAWorkspaceFreesItsNativeMemoryAtOnce() {
        long before = Pointer.totalBytes();
        DenseKernels.Workspace ws = DenseKernels.openBlas().workspace();
        DoubleBuffer b = ws.allocate(1 << 20);
        assertTrue(b.isDirect());
        assertEquals(0.0, b.get((1 << 20) - 1), "zeroed");
        assertTrue(Pointer.totalBytes() >= before + (8L << 20), "8 MiB held");
        ws.close();
        assertTrue(Pointer.totalBytes() < before + (1L << 20), "freed on close, not at a garbage collection");
    }

    private final List<DenseKernels.Workspace> open = new ArrayList<>();

    private DoubleBuffer alloc(DenseKernels kernels, int length) {
        DenseKernels.Workspace ws = kernels.workspace();
        open.add(ws);
        return ws.allocate(length);
    }

    @AfterEach
    void closeWorkspaces() {
        open.forEach(DenseKernels.Workspace::close);
    }

    private DoubleBuffer random(DenseKernels kernels, int length, SplittableRandom rnd) {
        DoubleBuffer b = alloc(kernels, length);
        for (int i = 0; i < length; i++) {
            b.put(i, rnd.nextGaussian());
        }
        return b;
    }
}
