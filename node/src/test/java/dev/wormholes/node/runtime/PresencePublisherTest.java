package dev.wormholes.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** When a presence record is due and what it says. */
class PresencePublisherTest {
  private final Identity me = Identity.generate(new SplittableRandom(1));
  private final InetSocketAddress lan = new InetSocketAddress("192.168.1.10", 7447);
  private final InetSocketAddress pub = new InetSocketAddress("203.0.113.7", 40000);

  private static NodeId peer(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    return NodeId.of(b);
  }

  @Test
  void observedAddressNeedsTwoDistinctReporters() {
    PresencePublisher p = new PresencePublisher(me, new MemoryNodeStore(), 0, List.of(lan));
    p.onObserved(peer(1), pub);
    p.onObserved(peer(1), pub); // the same peer twice is still one reporter
    assertTrue(p.endpoints().stream().noneMatch(e -> e.getKind() == EndpointKind.ENDPOINT_OBSERVED));
    p.onObserved(peer(2), pub);
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED),
        p.endpoints().stream().map(e -> e.getKind()).toList());
  }

  @Test
  void dueWhenNeverPublishedEndpointsChangeOrRenewalNears() {
    PresencePublisher p = new PresencePublisher(me, new MemoryNodeStore(), 0, List.of(lan));
    long wall = 1_700_000_000_000L;
    assertFalse(p.due(0, wall), "nobody to publish to");
    assertTrue(p.due(5, wall));
    StoredValue first = p.next(wall, 5);
    assertEquals(ValueCheck.OK, DhtValues.check(me.id(), first, wall));
    assertFalse(p.due(5, wall));
    assertTrue(p.due(10, wall), "the table doubled while small");
    p.next(wall, 10);
    p.onObserved(peer(1), pub);
    p.onObserved(peer(2), pub);
    assertTrue(p.due(10, wall), "a newly confirmed observed endpoint");
    StoredValue third = p.next(wall, 10);
    assertFalse(p.due(10, wall + PresencePublisher.LIFETIME_MS / 2));
    assertTrue(p.due(10, wall + PresencePublisher.LIFETIME_MS * 3 / 4), "renewed before expiry");
    Presence a = DhtValues.parsePresence(first).orElseThrow();
    Presence c = DhtValues.parsePresence(third).orElseThrow();
    assertTrue(c.getSeq() > a.getSeq());
    assertEquals(wall + PresencePublisher.LIFETIME_MS, c.getExpiresAtMs());
  }

  @Test
  void lanEndpointsOfASpecificAddressAreThatAddress() {
    InetSocketAddress lo = new InetSocketAddress("127.0.0.5", 9000);
    assertEquals(List.of(lo), LocalAddresses.lanEndpoints(lo));
    LocalAddresses.lanEndpoints(new InetSocketAddress("0.0.0.0", 9000))
        .forEach(a -> assertFalse(a.getAddress().isLoopbackAddress(), a.toString()));
  }
}
