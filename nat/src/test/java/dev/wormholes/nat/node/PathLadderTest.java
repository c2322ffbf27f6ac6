package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.punch.HolePunch.PathKind;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ladder's choices: which endpoints are dialled as what, when the punch runs, when relays start. */
class PathLadderTest {
  private static final InetSocketAddress LAN = new InetSocketAddress("10.0.1.2", 7447);
  private static final InetSocketAddress MAPPED = new InetSocketAddress("198.51.100.9", 4000);
  private static final InetSocketAddress OBSERVED = new InetSocketAddress("198.51.100.9", 40001);
  private static final InetSocketAddress SYNTHETIC = new InetSocketAddress("100::7", 9);

  private static Presence record(NatBehaviour filtering) {
    Presence.Builder p = Presence.newBuilder().setNat(NatReport.newBuilder().setFiltering(filtering));
    for (Object[] e : new Object[][] {{EndpointKind.ENDPOINT_OBSERVED, OBSERVED},
        {EndpointKind.ENDPOINT_LAN, SYNTHETIC}, {EndpointKind.ENDPOINT_MAPPED, MAPPED},
        {EndpointKind.ENDPOINT_LAN, LAN}, {EndpointKind.ENDPOINT_LAN, new InetSocketAddress("0.0.0.0", 7447)}}) {
      p.addEndpoints(ReachEndpoint.newBuilder().setKind((EndpointKind) e[0])
          .setEndpoint(Endpoints.toWire((InetSocketAddress) e[1])));
    }
    return p.build();
  }

  @Test
  void lanThenMappedThenObservedAndNeverWildcardOrSyntheticAddresses() {
    Map<InetSocketAddress, PathKind> eps = PathLadder.directEndpoints(record(NatBehaviour.NAT_ENDPOINT_INDEPENDENT));
    assertEquals(List.of(LAN, MAPPED, OBSERVED), List.copyOf(eps.keySet()));
    assertEquals(List.of(PathKind.LAN, PathKind.MAPPED, PathKind.DIRECT), List.copyOf(eps.values()));
  }

  @Test
  void theLanEndpointOfANodeWithoutNatIsItsPublicOne() {
    InetSocketAddress pub = new InetSocketAddress("198.51.100.101", 7447);
    Presence.Builder p = Presence.newBuilder().setNat(NatReport.newBuilder().setMapping(NatBehaviour.NAT_NONE));
    p.addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_LAN).setEndpoint(Endpoints.toWire(pub)));
    assertEquals(Map.of(pub, PathKind.DIRECT), PathLadder.directEndpoints(p.build()));
    Presence.Builder q = Presence.newBuilder(); // classification not known yet, but peers see it there
    for (EndpointKind k : List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED)) {
      q.addEndpoints(ReachEndpoint.newBuilder().setKind(k).setEndpoint(Endpoints.toWire(pub)));
    }
    assertEquals(Map.of(pub, PathKind.DIRECT), PathLadder.directEndpoints(q.build()));
  }

  @Test
  void anObservedEndpointBehindFilteringIsLeftToThePunch() {
    for (NatBehaviour f : List.of(NatBehaviour.NAT_ADDRESS_DEPENDENT, NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)) {
      assertEquals(List.of(LAN, MAPPED), List.copyOf(PathLadder.directEndpoints(record(f)).keySet()));
    }
    assertTrue(PathLadder.directEndpoints(record(NatBehaviour.NAT_UNKNOWN)).containsKey(OBSERVED));
  }

  @Test
  void aTargetIsHardWhenItsMappingIsEndpointDependentAndItHasNoPortMapping() {
    Presence.Builder sym = Presence.newBuilder().setNat(NatReport.newBuilder()
        .setMapping(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT));
    assertTrue(PathLadder.hard(sym.build()));
    assertTrue(!PathLadder.hard(sym.clone().addEndpoints(ReachEndpoint.newBuilder()
        .setKind(EndpointKind.ENDPOINT_MAPPED).setEndpoint(Endpoints.toWire(MAPPED))).build()));
    assertTrue(!PathLadder.hard(record(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)));
    assertTrue(!PathLadder.hard(Presence.getDefaultInstance()));
  }

  @Test
  void relaysStartAfterThreeSecondsOrAfter300MsWhenNoPunchCanWork() {
    Presence sym = Presence.newBuilder().setNat(NatReport.newBuilder()
        .setMapping(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)).addIntroducers(
            dev.wormholes.proto.wire.Contact.getDefaultInstance()).build();
    assertEquals(true, PathLadder.plan(sym, false).punch());
    assertEquals(3_000, PathLadder.plan(sym, false).relayAfterMs());
    assertEquals(false, PathLadder.plan(sym, true).punch(), "symmetric to symmetric: no punch");
    assertEquals(300, PathLadder.plan(sym, true).relayAfterMs());
    Presence pub = Presence.newBuilder().setNat(NatReport.newBuilder().setMapping(NatBehaviour.NAT_NONE))
        .addIntroducers(dev.wormholes.proto.wire.Contact.getDefaultInstance()).build();
    assertEquals(false, PathLadder.plan(pub, false).punch(), "no NAT: dialled, not punched");
  }

  @Test
  void upgradesAt15And60And300Seconds() {
    assertEquals(15_000, PathLadder.upgradeDelay(0).getAsLong());
    assertEquals(45_000, PathLadder.upgradeDelay(1).getAsLong());
    assertEquals(240_000, PathLadder.upgradeDelay(2).getAsLong());
    assertTrue(PathLadder.upgradeDelay(3).isEmpty());
  }
}
