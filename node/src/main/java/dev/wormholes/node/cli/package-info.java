/**
 * The {@code wormholes} command-line client: {@link dev.wormholes.node.cli.Wormholes} parses the
 * command line (picocli), {@link dev.wormholes.node.cli.ControlClient} calls the daemon's control
 * API over loopback HTTP, and {@link dev.wormholes.node.cli.Render} turns its JSON answers into
 * short human text. Failures are {@link dev.wormholes.node.cli.CliException}s carrying the exit
 * code: 0 ok, 1 not found or query failed, 2 usage or bad input, 3 no daemon running.
 */
package dev.wormholes.node.cli;
