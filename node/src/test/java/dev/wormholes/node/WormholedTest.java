package dev.wormholes.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code wormholed} options of the api contract map to a {@link NodeConfig}. */
class WormholedTest {
  private static NodeConfig parse(String... args) {
    Wormholed w = new Wormholed();
    new CommandLine(w).parseArgs(args);
    return w.config();
  }

  @Test
  void defaults() {
    NodeConfig c = parse();
    assertEquals(new InetSocketAddress("0.0.0.0", 7447), c.listen());
    assertEquals(new InetSocketAddress("127.0.0.1", 0), c.api());
    assertTrue(c.lanDiscovery());
    assertTrue(c.bootstrap().isEmpty());
    assertEquals(Path.of(System.getProperty("user.home"), ".wormholes"), c.dataDir());
  }

  @Test
  void natOptions() {
    NodeConfig c = parse();
    assertTrue(c.portMapping(), "the daemon maps a port on its gateway unless told not to");
    assertTrue(c.relay());
    NodeConfig off = parse("--no-port-mapping", "--no-relay");
    assertFalse(off.portMapping());
    assertFalse(off.relay());
  }

  @Test
  void idWorkIsThePublicNetworksUnlessTold() {
    assertEquals(dev.wormholes.dht.DhtConfig.PUBLIC_ID_WORK_BITS, parse().idWorkBits());
    assertEquals(4, parse("--id-work-bits", "4").idWorkBits());
    assertThrows(IllegalArgumentException.class, () -> parse("--id-work-bits", "33"));
    assertThrows(IllegalArgumentException.class, () -> parse("--id-work-bits", "-1"));
  }

  @Test
  void mainlineOptions() {
    assertEquals(dev.wormholes.node.mainline.MainlineAgent.DEFAULT_ROUTERS, parse().mainlineRouters(),
        "the daemon uses the well-known routers only when given neither flag");
    assertEquals(List.of("127.0.0.5:6881", "[::1]:6882"),
        parse("--mainline-router", "127.0.0.5:6881", "--mainline-router", "[::1]:6882").mainlineRouters());
    assertTrue(parse("--no-mainline").mainlineRouters().isEmpty());
    assertTrue(parse("--no-mainline", "--mainline-router", "127.0.0.5:6881").mainlineRouters().isEmpty());
    assertTrue(parse("--network-id", "5").mainlineRouters().isEmpty(), "private networks never touch mainline");
    assertTrue(NodeConfig.builder().build().mainlineRouters().isEmpty(), "in-process nodes: off unless asked");
    assertThrows(IllegalArgumentException.class, () -> parse("--mainline-router", "nonsense"));
  }

  @Test
  void everyOption() {
    NodeConfig c = parse("--data", "/tmp/x", "--listen", "127.0.0.1:9000", "--bootstrap", "127.0.0.2:7447",
        "--bootstrap", "[::1]:7448", "--api", "127.0.0.1:9001", "--no-lan-discovery");
    assertEquals(Path.of("/tmp/x"), c.dataDir());
    assertEquals(new InetSocketAddress("127.0.0.1", 9000), c.listen());
    assertEquals(List.of(new InetSocketAddress("127.0.0.2", 7447), new InetSocketAddress("::1", 7448)), c.bootstrap());
    assertEquals(new InetSocketAddress("127.0.0.1", 9001), c.api());
    assertFalse(c.lanDiscovery());
  }

  @Test
  void badHostPortIsOneClearSentence() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--listen", "nonsense"));
    assertEquals("not HOST:PORT: nonsense", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:80"));
    assertEquals("the control API listens on loopback only: --api 0.0.0.0:80",
        assertThrows(IllegalArgumentException.class, () -> parse("--api", "0.0.0.0:80")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("127.0.0.1:99999"));
  }

  @Test
  void metricsAreOffUnlessAskedAndLoopbackOnly() {
    assertEquals(null, parse().metrics());
    assertEquals(new InetSocketAddress("127.0.0.1", 9100), parse("--metrics", "127.0.0.1:9100").metrics());
    assertEquals("metrics are served on loopback only: --metrics 0.0.0.0:9100",
        assertThrows(IllegalArgumentException.class, () -> parse("--metrics", "0.0.0.0:9100")).getMessage());
    assertEquals(2, new CommandLine(new Wormholed()).execute("--metrics", "0.0.0.0:9100"), "a usage error exits 2");
  }
}
