package dev.wormholes.node.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatReport;
import org.junit.jupiter.api.Test;

/** Which NAT verdicts make a node a DHT client (read-only): exactly those that filter strangers. */
class DhtClientModeTest {
  private static boolean client(NatBehaviour mapping, NatBehaviour filtering) {
    return NatAgent.filtersStrangers(new NatReport(mapping, filtering, true, null, 30_000, 4));
  }

  @Test
  void publicFullConeAndUnknownServeAndFilteringOrSymmetricNatsAreClients() {
    assertEquals(false, client(NatBehaviour.NONE, NatBehaviour.NONE));
    assertEquals(false, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ENDPOINT_INDEPENDENT));
    assertEquals(false, client(NatBehaviour.UNKNOWN, NatBehaviour.UNKNOWN));
    assertEquals(false, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.UNKNOWN));
    assertEquals(true, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_DEPENDENT));
    assertEquals(true, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT));
    assertEquals(true, client(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.UNKNOWN));
    assertEquals(true, client(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT));
  }
}
