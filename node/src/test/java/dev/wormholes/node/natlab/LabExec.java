package dev.wormholes.node.natlab;

import dev.wormholes.node.it.Exec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Run a short command to completion with a time bound ({@link Exec#runOrKill}), timed and described for the lab. */
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
    long t0 = System.nanoTime();
    Exec.Result r = Exec.runOrKill(command, env, timeoutSeconds);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    return new Result(command, r.exit(), r.out(), r.err(), ms);
  }

  /** Run {@code command} with no extra environment. */
  static Result run(long timeoutSeconds, String... command) {
    return run(List.of(command), Map.of(), timeoutSeconds);
  }
}
