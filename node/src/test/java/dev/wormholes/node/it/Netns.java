package dev.wormholes.node.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace made for one test, with only loopback up: everything the test runs inside
 * it can reach nothing but 127.0.0.0/8 of that namespace (the brief's network rule).
 *
 * <p>{@link #close()} kills whatever still runs inside it and deletes it; a shutdown hook does the
 * same if the test JVM is stopped first. Needs root and {@code ip netns}: without them the test is
 * skipped with a loud message, except under {@code CI=true}, where it fails.
 */
public final class Netns implements AutoCloseable {
  private final String name;
  private final Thread cleanupHook;
  private boolean closed;

  private Netns(String name) {
    this.name = name;
    this.cleanupHook = new Thread(this::delete, "delete " + name);
    Runtime.getRuntime().addShutdownHook(cleanupHook);
  }

  /** Create a fresh namespace {@code wh-it-<random>} with loopback up, or skip / fail the test. */
  public static Netns create() {
    String name = "wh-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    Exec.Result add;
    try {
      add = Exec.run(20, "ip", "netns", "add", name);
    } catch (AssertionError e) {
      add = new Exec.Result(-1, "", String.valueOf(e.getMessage()));
    }
    if (add.exit() != 0) {
      unavailable("'ip netns add' failed (root and iproute2 are needed): " + add.err().strip());
    }
    Netns ns = new Netns(name);
    Exec.Result up = Exec.run(20, "ip", "-n", name, "link", "set", "lo", "up");
    if (up.exit() != 0) {
      ns.close();
      fail("cannot bring up lo in " + name + ": " + up.err().strip());
    }
    return ns;
  }

  private static void unavailable(String why) {
    String msg = "PROCESS-LEVEL INTEGRATION TESTS NOT RUN: " + why;
    if ("true".equals(String.valueOf(System.getenv("CI")).toLowerCase(Locale.ROOT))) {
      fail(msg + " (CI=true: these tests must run)");
    }
    System.err.println("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    System.err.println("!!! " + msg);
    System.err.println("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
    Assumptions.abort(msg);
  }

  /** Return the namespace's name. */
  public String name() {
    return name;
  }

  /** Return {@code command} prefixed so that it runs inside this namespace. */
  public List<String> wrap(List<String> command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
    all.addAll(command);
    return all;
  }

  /** Kill every process left inside the namespace and delete it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs delete() again, harmlessly
    }
  }

  private synchronized void delete() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // Only processes this test started live in its namespace.
      for (String pid : Exec.run(20, "ip", "netns", "pids", name).out().split("\\s+")) {
        if (pid.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      Exec.Result del = Exec.run(20, "ip", "netns", "del", name);
      if (del.exit() != 0) {
        System.err.println("could not delete network namespace " + name + ": " + del.err().strip());
      }
    } catch (AssertionError e) {
      System.err.println("could not clean up network namespace " + name + ": " + e.getMessage());
    }
  }
}
