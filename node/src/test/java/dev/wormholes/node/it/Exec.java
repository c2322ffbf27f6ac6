package dev.wormholes.node.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Run a short command to completion with a time bound, capturing its output through files. */
public final class Exec {
  private Exec() {}

  /** What a finished command returned. */
  public record Result(int exit, String out, String err) {}

  /**
   * Run {@code command} with extra environment {@code env}; kill it and throw if it runs longer
   * than {@code timeoutSeconds}.
   */
  static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) {
    Path out = null;
    Path err = null;
    Process p = null;
    try {
      out = Files.createTempFile("wh-it-out", ".txt");
      err = Files.createTempFile("wh-it-err", ".txt");
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      pb.environment().putAll(env);
      p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new AssertionError("still running after " + timeoutSeconds + " s: " + String.join(" ", command));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + String.join(" ", command), e);
    } finally {
      if (p != null && p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /** Run {@code command} with no extra environment. */
  public static Result run(long timeoutSeconds, String... command) {
    return run(List.of(command), Map.of(), timeoutSeconds);
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // a temp file left behind is harmless
      }
    }
  }
}
