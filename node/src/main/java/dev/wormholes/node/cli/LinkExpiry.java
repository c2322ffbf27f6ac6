package dev.wormholes.node.cli;

import picocli.CommandLine.Option;

/** The {@code --expires DURATION} option of the commands that print a one-time join link (channel and network invites). */
final class LinkExpiry {
  @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "24h",
      description = "how long the link is valid: N followed by s, m, h or d (default 24h, at most 30d)")
  String expires;

  /** Return the option in seconds; a usage error if it is no duration ({@link PeopleCommands#seconds}). */
  long seconds() {
    return PeopleCommands.seconds(expires);
  }
}
