package dev.wormholes.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.wire.PortMappingProtocol;
import org.junit.jupiter.api.Test;

/** The report's wire form for presence records. */
class NatReportTest {
  @Test
  void wireFormCarriesEveryAxis() {
    NatReport r = new NatReport(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_DEPENDENT,
        false, Boolean.TRUE, 120_500, 3);
    dev.wormholes.proto.wire.NatReport w = r.toWire(PortMappingProtocol.PORT_MAPPING_PCP);
    assertEquals(dev.wormholes.proto.wire.NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT, w.getMapping());
    assertEquals(dev.wormholes.proto.wire.NatBehaviour.NAT_ADDRESS_DEPENDENT, w.getFiltering());
    assertEquals(true, w.getHairpinning());
    assertEquals(120, w.getMappingLifetimeS());
    assertEquals(PortMappingProtocol.PORT_MAPPING_PCP, w.getPortMapping());
    for (NatBehaviour b : NatBehaviour.values()) {
      assertEquals(b, NatBehaviour.fromWire(b.toWire()));
    }
    assertEquals(true, r.isHard());
  }
}
