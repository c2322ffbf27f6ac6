package dev.wormholes.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Which peer-named addresses a node dials (issue 12: presence records and punch candidates could
 * make a node send to loopback and private addresses, e.g. its own host's services).
 */
class LocalAddressesTest {
  static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void aNodeOnItsLanDialsOnlyGlobalAddressesAndItsOwnLink() throws Exception {
    Predicate<InetAddress> d = LocalAddresses.dialable(new InetSocketAddress(ip("192.168.1.5"), 7447),
        List.of(Map.entry(ip("192.168.1.5"), 24), Map.entry(ip("127.0.0.1"), 8)));
    assertTrue(d.test(ip("198.51.100.7")), "global");
    assertTrue(d.test(ip("192.168.1.66")), "our own link");
    assertFalse(d.test(ip("127.0.0.1")), "our own host's services");
    assertFalse(d.test(ip("10.0.0.1")), "someone else's private network");
    assertFalse(d.test(ip("100.64.0.1")), "a carrier's shared space");
    assertFalse(d.test(ip("169.254.1.1")), "link-local of another link");
    assertFalse(d.test(ip("fd00::1")), "unique local");
  }

  @Test
  void aNodeOnLoopbackDialsLoopbackPeers() throws Exception {
    Predicate<InetAddress> d = LocalAddresses.dialable(new InetSocketAddress(ip("127.0.0.2"), 7447),
        List.of(Map.entry(ip("127.0.0.1"), 8)));
    assertTrue(d.test(ip("127.0.0.3")), "the test configuration: every node on loopback");
  }

  @Test
  void lanEndpointsOfASpecificAddressAreThatAddress() {
    InetSocketAddress lo = new InetSocketAddress("127.0.0.5", 9000);
    assertEquals(List.of(lo), LocalAddresses.lanEndpoints(lo));
    LocalAddresses.lanEndpoints(new InetSocketAddress("0.0.0.0", 9000))
        .forEach(a -> assertFalse(a.getAddress().isLoopbackAddress(), a.toString()));
  }
}
