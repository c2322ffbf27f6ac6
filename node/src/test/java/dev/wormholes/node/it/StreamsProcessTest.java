package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "reach a friend's web server / ssh by node id" walkthrough with real processes in
 * a loopback-only namespace: node B exposes {@code python3 -m http.server} as {@code web} with
 * {@code wormholes expose}; {@code curl -x socks5h://wh:PASSWORD@127.0.0.1:PORT} through node A's SOCKS port fetches a
 * 16 MiB file byte for byte; {@code wormholes connect} carries an HTTP exchange whose body has the
 * file's SHA-256; an unexposed service and an unknown node are refused with one clear line; after
 * B restarts, {@code wormholes services} still lists {@code web} and curl works again.
 */
class StreamsProcessTest {
  private static final int FILE_BYTES = 16 << 20;
  private static final int HTTP_PORT = 8765;

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  @Test
  void curlAndConnectReachAFriendsWebServerByNodeId() throws Exception {
    Cluster c = it.cluster();
    Path www = c.webServer(HTTP_PORT);
    byte[] file = new byte[FILE_BYTES];
    new Random(3).nextBytes(file);
    Files.write(www.resolve("f.bin"), file);
    NodeProcess a = c.start("a", 7301).awaitReady();
    NodeProcess b = c.start("b", 7302, a).awaitReady();
    run(c, wrapped(c, "web-up", "curl -sS --max-time 5 -o /dev/null http://127.0.0.1:" + HTTP_PORT + "/f.bin"),
        Duration.ofSeconds(30));
    String bId = c.cli(b, "id").ok().out().trim();
    c.cli(b, "expose", "web", "127.0.0.1:" + HTTP_PORT, "--public").ok();
    assertTrue(c.cli(b, "services").ok().out().startsWith("web "));
    String socks = Files.readString(a.dataDir().resolve("socks.url")).trim(); // socks5h://wh:PASSWORD@127.0.0.1:PORT
    assertTrue(c.cli(a, "status").ok().out().contains(socks));
    assertTrue(socks.endsWith("@" + Files.readString(a.dataDir().resolve("socks.port")).trim()), socks);
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(a.dataDir().resolve("socks.auth"))));

    Path got = www.resolve("got.bin");
    String fetch = "curl -sS --max-time 60 -x " + socks + " -o " + got
        + " http://web." + bId + ".wh/f.bin";
    long t0 = System.nanoTime();
    run(c, wrapped(c, "curl", fetch), Duration.ofSeconds(60));
    double s = (System.nanoTime() - t0) / 1e9;
    assertArrayEquals(file, Files.readAllBytes(got));
    System.out.printf("[it] curl via SOCKS: %d MiB in %.2f s (first try included lookup and handshake)%n",
        FILE_BYTES >> 20, s);

    // wormholes connect: an HTTP/1.0 exchange through stdin/stdout, body checked by SHA-256.
    Path resp = www.resolve("resp.bin");
    Exec.Result conn = Exec.run(c.inNamespace("bash", "-c", c.httpGet(a, "/f.bin", bId + " web") + " > " + resp),
        c.env(), Cluster.CLI_TIMEOUT_SECONDS);
    assertEquals(0, conn.exit(), conn.err());
    assertArrayEquals(sha256(file), sha256(body(Files.readAllBytes(resp))));

    // Refusals: an unexposed service, a node nobody knows.
    Exec.Result nope = Exec.run(c.inNamespace("curl", "-sS", "--max-time", "30", "-x", socks,
        "http://nope." + bId + ".wh/"), c.env(), 40);
    assertNotEquals(0, nope.exit());
    c.cli(a, "connect", bId, "nope").failsWith(1, "service 'nope' is not exposed there");
    String stranger = Identity.fromSeed(new byte[32]).id().toString();
    c.cli(a, "connect", stranger, "web").failsWith(1, "cannot reach node " + stranger);

    // Exposures survive a restart of B.
    assertEquals(0, b.terminate());
    NodeProcess b2 = c.restart(b, 7302).awaitReady();
    assertTrue(c.cli(b2, "services").ok().out().startsWith("web "));
    Files.deleteIfExists(got);
    eventually("curl after B restarted", Duration.ofSeconds(40),
        () -> run(c, wrapped(c, "curl-again", fetch), null), r -> r.exit() == 0);
    assertArrayEquals(file, Files.readAllBytes(got));
  }

  private static List<String> wrapped(Cluster c, String what, String shell) {
    List<String> cmd = new ArrayList<>(c.inNamespace("bash", "-c", shell));
    cmd.add(0, what); // label, removed by run
    return cmd;
  }

  /** Run a labelled command until it succeeds within {@code atMost} (null: once). */
  private static CliResult run(Cluster c, List<String> labelled, Duration atMost) {
    String label = labelled.get(0);
    List<String> cmd = labelled.subList(1, labelled.size());
    java.util.function.Supplier<CliResult> once = () -> {
      Exec.Result r = Exec.run(new ArrayList<>(cmd), c.env(), 70);
      return new CliResult(label, r.exit(), r.out(), r.err());
    };
    if (atMost == null) {
      return once.get();
    }
    return eventually(label, atMost, once, r -> r.exit() == 0);
  }

  /** Return the body of an HTTP/1.0 response (after the first blank line). */
  static byte[] body(byte[] response) {
    byte[] sep = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i + sep.length <= response.length; i++) {
      if (Arrays.equals(response, i, i + sep.length, sep, 0, sep.length)) {
        return Arrays.copyOfRange(response, i + sep.length, response.length);
      }
    }
    throw new AssertionError("no HTTP header end in " + response.length + " bytes");
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

}
