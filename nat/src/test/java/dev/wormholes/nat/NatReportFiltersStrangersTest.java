package dev.wormholes.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which NAT verdicts make a node a DHT client (read-only): exactly those that filter strangers at
 * the address its DHT requests come from. The daemon's {@code NatAgent} (through {@code
 * NatCore.dhtReadOnly}) and the simulator both ask this rule.
 */
class NatReportFiltersStrangersTest {
  private static boolean client(NatBehaviour mapping, NatBehaviour filtering, boolean portMapped) {
    return new NatReport(mapping, filtering, true, null, 30_000, 4).filtersStrangers(portMapped);
  }

  @Test
  void publicFullConeAndUnknownServeAndFilteringOrSymmetricNatsAreClients() {
    assertEquals(false, client(NatBehaviour.NONE, NatBehaviour.NONE, false));
    assertEquals(false, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ENDPOINT_INDEPENDENT, false));
    assertEquals(false, client(NatBehaviour.UNKNOWN, NatBehaviour.UNKNOWN, false));
    assertEquals(false, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.UNKNOWN, false));
    assertEquals(true, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_DEPENDENT, false));
    assertEquals(true, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, false));
    assertEquals(true, client(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.UNKNOWN, false));
    assertEquals(true, client(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, false));
  }

  @Test
  void aPortMappingOpensAConeToStrangersButNotASymmetricNat() {
    assertEquals(false, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, true));
    assertEquals(false, client(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_DEPENDENT, true));
    assertEquals(true, client(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, true));
  }
}
