package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's ssh line with a real OpenSSH server and client: {@code sshd} listens on
 * 127.0.0.1 inside a loopback-only namespace (throwaway host key, one authorized key made by the
 * test, no passwords), node B exposes it as {@code ssh}, and
 * {@code ssh -o ProxyCommand='wormholes connect %h ssh' root@B_ID 'echo hello; sha256sum'}
 * through node A logs in by key and runs the command on 4 MiB of stdin: the output is
 * {@code hello} and the input's SHA-256.
 *
 * <p>Needs {@code /usr/sbin/sshd} and {@code ssh} ({@code .ci/run} installs openssh-server and
 * openssh-client); without them the test is skipped, except under {@code CI=true}, where it fails.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SshProxyCommandProcessTest {
  private static final String SSHD = "/usr/sbin/sshd";
  private static final int SSH_PORT = 2222;
  private static final int INPUT_BYTES = 4 << 20;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void sshLogsInThroughWormholesConnectAsProxyCommand() throws Exception {
    requireOpenSsh();
    Cluster c = it.cluster();
    Path work = Files.createTempDirectory("wh-it-ssh");
    try {
      Path hostKey = keygen(work, "host_key");
      Path userKey = keygen(work, "user_key");
      Files.copy(work.resolve("user_key.pub"), work.resolve("authorized_keys"));
      Path config = work.resolve("sshd_config");
      Files.write(config, List.of(
          "Port " + SSH_PORT,
          "ListenAddress 127.0.0.1",
          "HostKey " + hostKey,
          "AuthorizedKeysFile " + work.resolve("authorized_keys"),
          "PidFile " + work.resolve("sshd.pid"),
          "PubkeyAuthentication yes",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PermitRootLogin prohibit-password",
          "StrictModes no", // the key files live in a temp dir, not in a home directory
          "UsePAM no"));
      // sshd insists on its privilege separation directory, which the package's service makes.
      Files.createDirectories(Path.of("/run/sshd"));
      new ProcessBuilder(c.inNamespace(SSHD, "-D", "-e", "-f", config.toString()))
          .redirectErrorStream(true).redirectOutput(work.resolve("sshd.log").toFile()).start();

      NodeProcess a = c.start("a", 7321).awaitReady();
      NodeProcess b = c.start("b", 7322, a).awaitReady();
      String bId = c.cli(b, "id").ok().out().trim();
      c.cli(b, "expose", "ssh", "127.0.0.1:" + SSH_PORT, "--public").ok();
      Awaitility.await("sshd listening").atMost(Duration.ofSeconds(20)).until(() ->
          Files.readString(work.resolve("sshd.log")).contains("Server listening on 127.0.0.1"));
      eventually("A finds B's presence record", Duration.ofSeconds(40), () -> c.cli(a, "lookup", bId),
          r -> r.exit() == 0);

      byte[] input = new byte[INPUT_BYTES];
      new Random(5).nextBytes(input);
      Path in = work.resolve("input.bin");
      Files.write(in, input);
      String proxy = c.repo().resolve("bin/wormholes") + " --data " + a.dataDir() + " connect %h ssh";
      String ssh = "ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no"
          + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i " + userKey
          + " -o ProxyCommand='" + proxy + "' root@" + bId + " 'echo hello; sha256sum' < " + in;
      long t0 = System.nanoTime();
      Exec.Result r = Exec.run(c.inNamespace("bash", "-c", ssh), c.env(), 60);
      System.out.printf("[it] ssh through wormholes connect: exit %d in %d ms%n", r.exit(),
          (System.nanoTime() - t0) / 1_000_000);
      assertEquals(0, r.exit(), () -> "ssh failed: " + r.err() + "\nsshd log:\n" + readQuietly(work.resolve("sshd.log")));
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input));
      assertEquals("hello\n" + sha + "  -\n", r.out());
    } finally {
      try (Stream<Path> paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void requireOpenSsh() {
    boolean present = Files.isExecutable(Path.of(SSHD)) && Exec.run(10, "ssh", "-V").exit() == 0;
    if (!present) {
      String msg = "SSH TEST NOT RUN: OpenSSH server or client missing (.ci/run installs openssh-server, openssh-client)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(msg + " (CI=true: this test must run)");
      }
      System.err.println("!!! " + msg);
      Assumptions.abort(msg);
    }
  }

  /** Make an Ed25519 key pair without a passphrase at {@code dir/name} and {@code .pub}. */
  private static Path keygen(Path dir, String name) {
    Path key = dir.resolve(name);
    Exec.Result r = Exec.run(20, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "wh-it", "-f", key.toString());
    assertEquals(0, r.exit(), r.err());
    return key;
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
