package dev.wormholes.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LAN endpoints a presence record carries. */
class LocalAddressesTest {
  @Test
  void lanEndpointsOfASpecificAddressAreThatAddress() {
    InetSocketAddress lo = new InetSocketAddress("127.0.0.5", 9000);
    assertEquals(List.of(lo), LocalAddresses.lanEndpoints(lo));
    LocalAddresses.lanEndpoints(new InetSocketAddress("0.0.0.0", 9000))
        .forEach(a -> assertFalse(a.getAddress().isLoopbackAddress(), a.toString()));
  }
}
