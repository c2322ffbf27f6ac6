package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** When a presence record is due and what it says, on a fake clock. */
class PresencePolicyTest {
  private final Identity me = Identity.generate(new SplittableRandom(1));
  private final InetSocketAddress lan = new InetSocketAddress("192.168.1.10", 7447);
  private final InetSocketAddress pub = new InetSocketAddress("203.0.113.7", 40000);
  private static final long WALL = 1_700_000_000_000L;

  private static NodeId peer(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    return NodeId.of(b);
  }

  private static InetSocketAddress at(String ip) {
    return new InetSocketAddress(ip, 7447);
  }

  private List<EndpointKind> kinds(PresencePolicy p, long now) {
    return p.endpoints(now).stream().map(e -> e.getKind()).toList();
  }

  @Test
  void anObservedEndpointNeedsTwoReportersInTwoNetworks() {
    PresencePolicy p = new PresencePolicy(me, 0, List.of(lan));
    p.handleObservation(peer(1), at("198.51.100.1"), pub, 0);
    p.handleObservation(peer(1), at("198.51.100.1"), pub, 0); // the same peer twice is still one reporter
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN), kinds(p, 0));
    p.handleObservation(peer(2), at("198.51.100.2"), pub, 0); // a second reporter in the same /16
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN), kinds(p, 0), "two reporters in one network could be one liar");
    p.handleObservation(peer(3), at("192.0.2.3"), pub, 0);
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED), kinds(p, 0));
  }

  @Test
  void reportersOnOurSideOfTheNatAreLeftOutAndReportsAge() {
    PresencePolicy p = new PresencePolicy(me, 0, List.of(lan));
    p.handleObservation(peer(1), at("10.0.0.3"), pub, 0);
    p.handleObservation(peer(2), at("192.168.1.20"), pub, 0);
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN), kinds(p, 0));
    assertEquals(2, p.insideReports());
    p.handleObservation(peer(3), at("198.51.100.1"), pub, 0);
    p.handleObservation(peer(4), at("192.0.2.3"), pub, 0);
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_OBSERVED), kinds(p, 60_000));
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN), kinds(p, 11 * 60_000), "reports older than 10 minutes count no more");
  }

  @Test
  void dueWhenNeverPublishedEndpointsChangeOrRenewalNears() {
    PresencePolicy p = new PresencePolicy(me, 0, List.of(lan));
    assertFalse(p.due(0, WALL, 0), "nobody to publish to");
    assertTrue(p.due(5, WALL, 0));
    StoredValue first = p.next(1, WALL, 5, 0);
    assertEquals(ValueCheck.OK, DhtValues.check(me.id(), first, WALL));
    assertFalse(p.due(5, WALL, 0));
    assertTrue(p.due(10, WALL, 0), "the table doubled while small");
    p.next(2, WALL, 10, 0);
    p.handleObservation(peer(1), at("198.51.100.1"), pub, 0);
    p.handleObservation(peer(2), at("192.0.2.3"), pub, 0);
    assertTrue(p.due(10, WALL, 0), "a newly confirmed observed endpoint");
    StoredValue third = p.next(3, WALL, 10, 0);
    assertFalse(p.due(10, WALL + PresencePolicy.LIFETIME_MS / 2, 0));
    assertTrue(p.due(10, WALL + PresencePolicy.LIFETIME_MS * 3 / 4, 0), "renewed before expiry");
    assertTrue(p.due(10, WALL, 11 * 60_000), "the observed endpoint aged out");
    Presence a = DhtValues.parsePresence(first).orElseThrow();
    Presence c = DhtValues.parsePresence(third).orElseThrow();
    assertEquals(3, c.getSeq());
    assertTrue(c.getSeq() > a.getSeq());
    assertEquals(WALL + PresencePolicy.LIFETIME_MS, c.getExpiresAtMs());
  }

  @Test
  void natFactsGoIntoTheRecord() {
    PresencePolicy p = new PresencePolicy(me, 0, List.of(lan));
    p.next(1, WALL, 5, 0);
    InetSocketAddress mapped = new InetSocketAddress("203.0.113.9", 7447);
    p.setNat(new PresencePolicy.Nat(mapped, null, List.of()));
    assertTrue(p.due(5, WALL, 0));
    Presence r = DhtValues.parsePresence(p.next(2, WALL, 5, 0)).orElseThrow();
    assertEquals(List.of(EndpointKind.ENDPOINT_LAN, EndpointKind.ENDPOINT_MAPPED),
        r.getEndpointsList().stream().map(e -> e.getKind()).toList());
  }

  @Test
  void newMailboxFriendsAreDueAndCarried() {
    PresencePolicy p = new PresencePolicy(me, 0, List.of(lan));
    p.next(1, WALL, 5, 0);
    List<com.google.protobuf.ByteString> carol = List.of(com.google.protobuf.ByteString.copyFrom(new byte[32]));
    p.setMailboxes(carol);
    assertTrue(p.due(5, WALL, 0), "the person named a mailbox friend");
    assertEquals(carol, DhtValues.parsePresence(p.next(2, WALL, 5, 0)).orElseThrow().getMailboxesList());
    assertFalse(p.due(5, WALL, 0));
    p.setMailboxes(List.of());
    assertTrue(p.due(5, WALL, 0), "and removed it");
  }

  @Test
  void aNewPersonaHeadIsDueAndCarried() {
    PresencePolicy p = new PresencePolicy(me, 0, List.of(lan));
    p.next(1, WALL, 5, 0);
    assertFalse(p.due(5, WALL, 0));
    dev.wormholes.proto.wire.PersonaHead head = dev.wormholes.proto.wire.PersonaHead.newBuilder()
        .setPersona(com.google.protobuf.ByteString.copyFrom(new byte[32])).setSeq(3)
        .setDigest(com.google.protobuf.ByteString.copyFrom(new byte[32])).build();
    p.setPersona(head);
    assertTrue(p.due(5, WALL, 0), "the persona's log moved on");
    StoredValue record = p.next(2, WALL, 5, 0);
    assertEquals(head, DhtValues.parsePresence(record).orElseThrow().getPersona());
    p.setPersona(head.toBuilder().build());
    assertFalse(p.due(5, WALL, 0), "the same head again");
  }

  @Test
  void aRecordTooLargeForHoldersIsCutLanEndpointsAndIntroducersFirst() {
    List<InetSocketAddress> lan6 = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      lan6.add(new InetSocketAddress("fd00:1111:2222:3333:4444:5555:6666:" + (7000 + i), 7447));
    }
    PresencePolicy p = new PresencePolicy(me, 0, lan6);
    List<dev.wormholes.dht.Contact> introducers = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      introducers.add(new dev.wormholes.dht.Contact(peer(10 + i),
          new InetSocketAddress("2001:db8:aaaa:bbbb:cccc:dddd:eeee:" + (1000 + i), 40000 + i)));
    }
    InetSocketAddress mapped = new InetSocketAddress("2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa", 45000);
    p.setNat(new PresencePolicy.Nat(mapped, null, introducers));
    p.setPersona(dev.wormholes.proto.wire.PersonaHead.newBuilder()
        .setPersona(com.google.protobuf.ByteString.copyFrom(new byte[32])).setSeq(Long.MAX_VALUE)
        .setDigest(com.google.protobuf.ByteString.copyFrom(new byte[32])).build());
    p.setMailboxes(List.of(com.google.protobuf.ByteString.copyFrom(new byte[32]),
        com.google.protobuf.ByteString.copyFrom(new byte[32]), com.google.protobuf.ByteString.copyFrom(new byte[32])));
    int at = 0;
    for (String by : List.of("198.51.100.1", "192.0.2.3", "203.0.113.99")) {
      for (int i = 0; i < 4; i++) { // four observed endpoints, each from reporters in three networks
        p.handleObservation(peer(100 + at++), at(by), new InetSocketAddress("2001:db8:1:2:3:4:5:" + (60 + i), 50000 + i), 0);
      }
    }
    assertEquals(13, p.endpoints(0).size());

    StoredValue record = p.next(1, WALL, 5, 0); // threw before: the record was over the limit
    assertEquals(ValueCheck.OK, DhtValues.check(me.id(), record, WALL));
    Presence made = DhtValues.parsePresence(record).orElseThrow();
    assertTrue(made.getSerializedSize() <= dev.wormholes.proto.Limits.MAX_PRESENCE, made.getSerializedSize() + " bytes");
    List<EndpointKind> kinds = made.getEndpointsList().stream().map(e -> e.getKind()).toList();
    long lanLeft = kinds.stream().filter(k -> k == EndpointKind.ENDPOINT_LAN).count();
    assertTrue(lanLeft >= 1 && lanLeft < 8, lanLeft + " LAN endpoints: they go first, down to one");
    assertEquals(4, kinds.stream().filter(k -> k == EndpointKind.ENDPOINT_OBSERVED).count());
    assertTrue(kinds.contains(EndpointKind.ENDPOINT_MAPPED));
    assertEquals(8, made.getIntroducersCount(), "introducers stay while LAN endpoints can go");
    assertEquals(3, made.getMailboxesCount());
    assertFalse(p.due(5, WALL, 0), "a cut record is not due again at once");
  }
}
