package dev.wormholes.node.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The ladder's choices that need no network: which endpoints are dialled, first success wins. */
class PathFinderTest {
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
    Map<InetSocketAddress, PathKind> eps = PathFinder.directEndpoints(record(NatBehaviour.NAT_ENDPOINT_INDEPENDENT));
    assertEquals(List.of(LAN, MAPPED, OBSERVED), List.copyOf(eps.keySet()));
    assertEquals(List.of(PathKind.LAN, PathKind.MAPPED, PathKind.DIRECT), List.copyOf(eps.values()));
  }

  @Test
  void theLanEndpointOfANodeWithoutNatIsItsPublicOne() {
    InetSocketAddress pub = new InetSocketAddress("198.51.100.101", 7447);
    Presence.Builder p = Presence.newBuilder().setNat(NatReport.newBuilder().setMapping(NatBehaviour.NAT_NONE));
    p.addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_LAN).setEndpoint(Endpoints.toWire(pub)));
    assertEquals(Map.of(pub, PathKind.DIRECT), PathFinder.directEndpoints(p.build()));
    Presence.Builder q = Presence.newBuilder(); // classification not known yet, but peers see it there
    for (EndpointKind k : List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED)) {
      q.addEndpoints(ReachEndpoint.newBuilder().setKind(k).setEndpoint(Endpoints.toWire(pub)));
    }
    assertEquals(Map.of(pub, PathKind.DIRECT), PathFinder.directEndpoints(q.build()));
  }

  @Test
  void anObservedEndpointBehindFilteringIsLeftToThePunch() {
    for (NatBehaviour f : List.of(NatBehaviour.NAT_ADDRESS_DEPENDENT, NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)) {
      assertEquals(List.of(LAN, MAPPED), List.copyOf(PathFinder.directEndpoints(record(f)).keySet()));
    }
    assertTrue(PathFinder.directEndpoints(record(NatBehaviour.NAT_UNKNOWN)).containsKey(OBSERVED));
  }

  @Test
  void aTargetIsHardWhenItsMappingIsEndpointDependentAndItHasNoPortMapping() {
    Presence.Builder sym = Presence.newBuilder().setNat(NatReport.newBuilder()
        .setMapping(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT));
    assertTrue(PathFinder.hard(sym.build()));
    assertTrue(!PathFinder.hard(sym.clone().addEndpoints(ReachEndpoint.newBuilder()
        .setKind(EndpointKind.ENDPOINT_MAPPED).setEndpoint(Endpoints.toWire(MAPPED))).build()));
    assertTrue(!PathFinder.hard(record(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)));
    assertTrue(!PathFinder.hard(Presence.getDefaultInstance()));
  }

  @Test
  void firstSuccessWinsAndAllFailuresFailWithTheLast() {
    CompletableFuture<String> slow = new CompletableFuture<>();
    CompletableFuture<String> fails = new CompletableFuture<>();
    CompletableFuture<String> fast = new CompletableFuture<>();
    CompletableFuture<String> first = PathFinder.firstSuccess(List.of(slow, fails, fast));
    fails.completeExceptionally(new IOException("filtered"));
    assertTrue(!first.isDone());
    fast.complete("punched");
    assertEquals("punched", first.join());

    CompletableFuture<String> a = new CompletableFuture<>();
    CompletableFuture<String> b = new CompletableFuture<>();
    CompletableFuture<String> none = PathFinder.firstSuccess(List.of(a, b));
    a.completeExceptionally(new IOException("one"));
    b.completeExceptionally(new CompletionException(new IOException("two")));
    assertEquals("two", PathFinder.message(none.handle((x, e) -> e).join()));
    assertTrue(PathFinder.firstSuccess(List.<CompletableFuture<String>>of()).isCompletedExceptionally());
  }
}
