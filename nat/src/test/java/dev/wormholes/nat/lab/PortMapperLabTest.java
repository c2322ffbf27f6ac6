package dev.wormholes.nat.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wormholes.nat.lab.NatLab.LabProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code PortMapper} engine against a real miniupnpd (behind a port-restricted kernel NAT) over
 * real sockets: each protocol obtains a mapping, a public host reaches the LAN host through the
 * mapped endpoint (and gets its answer), and the mapping is deleted on shutdown.
 */
class PortMapperLabTest {
  private static NatLab lab;

  @BeforeAll
  static void up() throws Exception {
    lab = NatLab.up("a=upnp");
    lab.awaitMiniupnpd(1);
  }

  @AfterAll
  static void down() {
    if (lab != null) {
      lab.close();
    }
  }

  private static void mapReachAndDelete(String protocol) throws Exception {
    NatLab.Node host = lab.node("a-h1");
    LabProcess p = lab.java(host, "portmap", host.ip(), host.gateway(), protocol, "20");
    String acquired = p.await("ACQUIRED", Duration.ofSeconds(15));
    System.out.println(protocol + ": " + acquired);
    assertEquals(protocol, LabProcess.field(acquired, "protocol"));
    String endpoint = LabProcess.field(acquired, "endpoint");
    String ip = endpoint.substring(0, endpoint.indexOf(':'));
    String port = endpoint.substring(endpoint.indexOf(':') + 1);
    assertEquals("198.51.100.11", ip, "the router's WAN address");
    String reply = lab.python(lab.node("rv1"), "udpsend.py", ip, port).await(
        l -> l.startsWith("REPLY") || l.startsWith("NOREPLY"), Duration.ofSeconds(10), "REPLY");
    assertTrue(reply.startsWith("REPLY HELLO-BACK from " + endpoint), reply);
    String received = p.await("RECEIVED", Duration.ofSeconds(5));
    assertTrue(received.contains("from=203.0.113.10:"), received);
    String lost = p.await("LOST", Duration.ofSeconds(5));
    assertTrue(lost.contains("reason=deleted_on_shutdown"), lost);
    assertEquals("REFUSED 0", p.await("REFUSED", Duration.ofSeconds(5)));
    assertMappingGone(port);
  }

  private static void assertMappingGone(String port) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    String rules = "";
    while (System.nanoTime() < end) {
      rules = routerRules();
      if (!rules.contains("dport " + port + " ")) {
        return;
      }
      Thread.sleep(100);
    }
    fail("mapping for port " + port + " still in miniupnpd's chain:\n" + rules);
  }

  private static String routerRules() throws Exception {
    String ns = lab.node("a-h1").ns().replace("-h1", "-gw");
    return lab.run(new NatLab.Node("a-gw", ns, "", "", "upnp"),
        "nft", "list", "chain", "inet", "upnplab", "prerouting_miniupnpd");
  }

  @Test
  void pcpMapsReachesAndDeletes() throws Exception {
    mapReachAndDelete("PCP");
  }

  @Test
  void natPmpMapsReachesAndDeletes() throws Exception {
    mapReachAndDelete("NAT_PMP");
  }

  @Test
  void upnpIgdMapsReachesAndDeletes() throws Exception {
    mapReachAndDelete("UPNP");
  }
}
