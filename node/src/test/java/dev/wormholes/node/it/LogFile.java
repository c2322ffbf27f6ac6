package dev.wormholes.node.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reading a daemon's log file (its stdout and stderr) for assertion messages. */
public final class LogFile {
  private LogFile() {}

  /** Return the whole log, or a note saying why it cannot be read. */
  public static String text(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Return the last {@code n} lines of the log. */
  public static String tail(Path log, int n) {
    List<String> lines = text(log).lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }
}
