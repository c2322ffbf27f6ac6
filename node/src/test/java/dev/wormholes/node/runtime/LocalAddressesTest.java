package dev.wormholes.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Which interface addresses a presence record carries as LAN endpoints, and which peer-named
 * addresses a node dials (a record or punch candidate must not make it send to loopback or private
 * addresses off its own link, e.g. its own host's services).
 */
class LocalAddressesTest {
  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
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
  void containerBridgeAndVpnInterfacesAreNotAdvertised() {
    for (String name : List.of("docker0", "br-3f2a9c", "virbr0", "veth12ab", "vnet3", "cni0", "flannel.1",
        "cali1234", "lxcbr0", "podman0", "vboxnet0", "vmnet8", "tun0", "tap1", "utun3", "wg0", "tailscale0",
        "zt5u4y", "ppp0", "nordlynx")) {
      assertTrue(LocalAddresses.isVirtual(name), name);
      assertFalse(LocalAddresses.advertised(name, ip("172.17.0.1"), false, false), name);
      assertTrue(LocalAddresses.advertised(name, ip("172.17.0.1"), false, true), name + " with --all-interfaces");
    }
    for (String name : List.of("eth0", "enp3s0", "eno1", "wlan0", "wlp2s0", "en0", "bond0")) {
      assertFalse(LocalAddresses.isVirtual(name), name);
      assertTrue(LocalAddresses.advertised(name, ip("192.168.1.20"), false, false), name);
    }
  }

  @Test
  void onlyUniqueLocalIpv6AndNeverLoopbackOrLinkLocal() {
    assertFalse(LocalAddresses.advertised("eth0", ip("2001:db8::1234"), true, false), "global IPv6");
    assertTrue(LocalAddresses.advertised("eth0", ip("2001:db8::1234"), true, true), "global IPv6 when asked");
    assertTrue(LocalAddresses.advertised("eth0", ip("fd12:3456::1"), true, false), "ULA");
    assertFalse(LocalAddresses.advertised("eth0", ip("fd12:3456::1"), false, false), "IPv6 on an IPv4 socket");
    assertFalse(LocalAddresses.advertised("eth0", ip("fe80::1"), true, true), "link-local");
    assertFalse(LocalAddresses.advertised("eth0", ip("127.0.0.1"), false, true), "loopback");
  }

  @Test
  void aSpecificBindIsAdvertisedAsIs() {
    InetSocketAddress b = new InetSocketAddress("127.0.0.1", 7447);
    assertEquals(List.of(b), LocalAddresses.lanEndpoints(b));
  }

  @Test
  void lanEndpointsOfAWildcardBindAreNeverLoopback() {
    LocalAddresses.lanEndpoints(new InetSocketAddress("0.0.0.0", 9000))
        .forEach(a -> assertFalse(a.getAddress().isLoopbackAddress(), a.toString()));
  }
}
