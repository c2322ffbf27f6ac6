package dev.wormholes.node.cli;

/**
 * A failure the user should read: one sentence for stderr (without the {@code wormholes: }
 * prefix) and the process exit code. Never carries a stack trace to the user.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Exit code: not found, or the query failed. */
  public static final int FAILED = 1;
  /** Exit code: bad usage or bad input. */
  public static final int USAGE = 2;
  /** Exit code: no daemon is running for the data dir. */
  public static final int NO_DAEMON = 3;

  private final int exitCode;

  /** Create a failure with the given one-line message and exit code. */
  public CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** Return a usage / bad-input failure (exit 2). */
  public static CliException usage(String message) {
    return new CliException(USAGE, message);
  }

  /** Return a not-found / query-failed failure (exit 1). */
  public static CliException failed(String message) {
    return new CliException(FAILED, message);
  }

  /** Return the "no daemon is running" failure for data dir {@code dir} (exit 3). */
  public static CliException noDaemon(String dir) {
    return new CliException(NO_DAEMON, "no daemon is running for data dir " + dir
        + " (start one with bin/wormholed --data " + dir + ")");
  }

  /** Return the process exit code. */
  public int exitCode() {
    return exitCode;
  }
}
