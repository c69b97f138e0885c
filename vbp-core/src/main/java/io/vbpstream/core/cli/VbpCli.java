package io.vbpstream.core.cli;

import io.vbpstream.core.onnx.InvalidModelException;
import io.vbpstream.core.stats.MomentsFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The offline {@code vbp} command line. */
@Command(name = "vbp", mixinStandardHelpOptions = true, version = "vbp 0.1.0",
        description = "Variance-Based Pruning of ONNX transformer models.",
        subcommands = {InspectCommand.class, StatsCommand.class, PruneCommand.class, EvalCommand.class, DemoCommand.class,
                HeapCommand.class})
public final class VbpCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (0 ok, 1 unexpected failure, 2 bad input or usage). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new VbpCli());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (isUserError(ex)) {
                cmd.getErr().println("vbp: error: " + ex.getMessage());
                return 2;
            }
            cmd.getErr().println("vbp: unexpected failure: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cli.execute(args);
    }

    static boolean isUserError(Throwable ex) {
        return ex instanceof InvalidModelException || ex instanceof IllegalArgumentException || ex instanceof IOException
                || ex instanceof UncheckedIOException || ex instanceof MomentsFormatException;
    }
}
