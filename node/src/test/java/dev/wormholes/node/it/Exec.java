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

  /** The exit status {@link #runOrKill} reports for a command it killed (a real one is 0..255). */
  public static final int KILLED = -1;

  /**
   * Run {@code command} with extra environment {@code env}; kill it and throw if it runs longer
   * than {@code timeoutSeconds}.
   */
  static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) {
    Result r = runOrKill(command, env, timeoutSeconds);
    if (r.exit() == KILLED) {
      throw new AssertionError("still running after " + timeoutSeconds + " s: " + String.join(" ", command));
    }
    return r;
  }

  /**
   * Run {@code command} with extra environment {@code env}; after {@code timeoutSeconds} kill it
   * (and its children) and return exit {@link #KILLED} with what it printed so far, stderr ending
   * in "(killed after N s)".
   */
  public static Result runOrKill(List<String> command, Map<String, String> env, long timeoutSeconds) {
    Path out = null;
    Path err = null;
    Process p = null;
    try {
      out = Files.createTempFile("wh-exec-out", ".txt");
      err = Files.createTempFile("wh-exec-err", ".txt");
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      pb.environment().putAll(env);
      p = pb.start();
      boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!done) {
        kill(p);
      }
      return new Result(done ? p.exitValue() : KILLED, Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8) + (done ? "" : "(killed after " + timeoutSeconds + " s)\n"));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + String.join(" ", command), e);
    } finally {
      if (p != null && p.isAlive()) {
        kill(p);
      }
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /** Run {@code command} with no extra environment. */
  public static Result run(long timeoutSeconds, String... command) {
    return run(List.of(command), Map.of(), timeoutSeconds);
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
