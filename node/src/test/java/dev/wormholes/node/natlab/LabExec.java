package dev.wormholes.node.natlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Run a short command to completion with a time bound, capturing its output through files. */
final class LabExec {
  private LabExec() {}

  /** What a finished (or timed-out) command returned; {@code exit} is -1 after a timeout. */
  record Result(List<String> command, int exit, String out, String err, long millis) {
    boolean ok() {
      return exit == 0;
    }

    /** One paragraph for an assertion message. */
    String describe() {
      return "`" + String.join(" ", shown(command)) + "` exited " + exit + " after " + millis + " ms\n--- stdout:\n"
          + clip(out) + "--- stderr:\n" + clip(err);
    }

    private static List<String> shown(List<String> cmd) {
      List<String> s = new ArrayList<>();
      for (String c : cmd) {
        s.add(c.length() > 200 ? c.substring(0, 60) + "..." : c);
      }
      return s;
    }

    private static String clip(String s) {
      return s.length() > 4000 ? s.substring(0, 4000) + "...(" + s.length() + " chars)\n" : s;
    }
  }

  /**
   * Run {@code command} with extra environment {@code env}; after {@code timeoutSeconds} kill it
   * (and its children) and return exit -1.
   */
  static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) {
    Path out = null;
    Path err = null;
    Process p = null;
    long t0 = System.nanoTime();
    try {
      out = Files.createTempFile("wh-natlab-out", ".txt");
      err = Files.createTempFile("wh-natlab-err", ".txt");
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
      long ms = (System.nanoTime() - t0) / 1_000_000;
      return new Result(command, done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8) + (done ? "" : "(killed after " + timeoutSeconds + " s)\n"), ms);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    } finally {
      if (p != null && p.isAlive()) {
        kill(p);
      }
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /** Run {@code command} with no extra environment. */
  static Result run(long timeoutSeconds, String... command) {
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
