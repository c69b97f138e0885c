/**
 * {@code vbp inspect|stats|prune|eval|demo|heap}.
 *
 * <p>Classes: {@code VbpCli} and one class per subcommand ({@code InspectCommand}, {@code StatsCommand},
 * {@code PruneCommand}, {@code EvalCommand}, {@code DemoCommand}, {@code HeapCommand}), {@code ModelOptions} (the model
 * and card options they share), {@code ProgressBar}.
 *
 * <p>The package tables of {@code docs/ARCHITECTURE.md} list the same roles; keep the two in step.
 */
package io.vbpstream.core.cli;
