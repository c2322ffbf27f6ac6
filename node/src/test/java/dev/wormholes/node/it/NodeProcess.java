package dev.wormholes.node.it;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One {@code bin/wormholed} process inside the test's namespace, its output in a log file of its
 * own (one per start, so a restart never reads the previous run's lines).
 */
final class NodeProcess {
  /** How long a daemon may take to print its ready line (JVM start on a busy 2-core machine). */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final Path dataDir;
  private final int udpPort;
  private final Process process;
  private final Path log;

  NodeProcess(String name, Path dataDir, int udpPort, Process process, Path log) {
    this.name = name;
    this.dataDir = dataDir;
    this.udpPort = udpPort;
    this.process = process;
    this.log = log;
  }

  String name() {
    return name;
  }

  Path dataDir() {
    return dataDir;
  }

  int udpPort() {
    return udpPort;
  }

  /** Return {@code 127.0.0.1:port}, the UDP address it listens on. */
  String address() {
    return "127.0.0.1:" + udpPort;
  }

  Process process() {
    return process;
  }

  /** Wait until the daemon printed its ready line; fail at once (with its log) if it died. */
  NodeProcess awaitReady() {
    await("wormholed " + name + " ready").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          if (!process.isAlive()) {
            throw new AssertionError("wormholed " + name + " exited with " + process.exitValue()
                + " before it was ready; its log:\n" + logText());
          }
          return logText().lines().anyMatch(l -> l.startsWith("wormholed ") && l.contains(" listening on udp "));
        });
    return this;
  }

  /** Send SIGKILL (kill -9) and wait until the process is gone. */
  void kill9() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitGone();
  }

  /** Send SIGTERM and return the exit code, failing if it does not exit within 20 s. */
  int terminate() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill9();
        throw new AssertionError("wormholed " + name + " did not exit within 20 s of SIGTERM");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return process.exitValue();
  }

  /** Wait (at most {@code within}) for the process to exit by itself and return its exit code. */
  int awaitExit(Duration within) {
    try {
      if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        kill9();
        throw new AssertionError("wormholed " + name + " still running after " + within.toSeconds()
            + " s; its log:\n" + logText());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return process.exitValue();
  }

  private void waitGone() {
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        throw new AssertionError("wormholed " + name + " still alive 20 s after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Return what the daemon printed so far (stdout and stderr). */
  String logText() {
    return LogFile.text(log);
  }

  /** Return the last {@code n} lines of the log. */
  String logTail(int n) {
    return LogFile.tail(log, n);
  }

  @Override
  public String toString() {
    return name + "@" + address();
  }
}
