package dev.wormholes.nat.lan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtConfig;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.dht.MemoryValueStore;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The LAN announce schedule, what is reported, and when a report makes a node join, on a fake clock. */
class LanAnnouncerTest {
  static final long NET = 7;
  final Announce self = new Announce(NET, NodeId.ofWords(1, 1, 1, 1), 7447);
  static final int K = 4;
  final LanAnnouncer lan = new LanAnnouncer(self, a -> a.getAddress()[0] == (byte) 192, 1_000);
  final LanAnnouncer.Heard heard = new LanAnnouncer.Heard(NodeId.ofWords(2, 2, 2, 2),
      new InetSocketAddress("192.168.1.9", 4000));

  @Test
  void announcesAtTheStartAndOncePerInterval() {
    assertEquals(1_000, lan.pollTimeout());
    assertNull(lan.pollTransmit(), "nothing before the first timeout");
    lan.handleTimeout(1_000);
    assertArrayEquals(self.encode(), lan.pollTransmit());
    assertNull(lan.pollTransmit(), "once");
    assertEquals(1_000 + AnnounceFilter.INTERVAL_MS, lan.pollTimeout());
    lan.handleTimeout(1_000 + AnnounceFilter.INTERVAL_MS - 1);
    assertNull(lan.pollTransmit(), "not before the interval");
    lan.handleTimeout(1_000 + AnnounceFilter.INTERVAL_MS);
    assertArrayEquals(self.encode(), lan.pollTransmit());
  }

  @Test
  void reportsAnnouncesTheFilterPassesWithTheSourceIpAndAnnouncedPort() throws Exception {
    InetAddress peer = InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, 1, 9});
    Announce other = new Announce(NET, NodeId.ofWords(2, 2, 2, 2), 4000);
    assertEquals(Optional.of(new LanAnnouncer.Heard(other.id(), new InetSocketAddress(peer, 4000))),
        lan.handleDatagram(other.encode(), peer, 2_000));
    assertEquals(Optional.empty(), lan.handleDatagram(other.encode(), peer, 2_001), "once per interval per id");
    assertEquals(Optional.empty(), lan.handleDatagram(self.encode(), peer, 2_002), "our own");
    assertEquals(Optional.empty(), lan.handleDatagram(new byte[] {1, 2, 3}, peer, 2_003), "not an announce");
    InetAddress offLink = InetAddress.getByAddress(new byte[] {10, 0, 0, 9});
    assertEquals(Optional.empty(), lan.handleDatagram(new Announce(NET, NodeId.ofWords(3, 3, 3, 3), 4000).encode(),
        offLink, 2_004), "not on our links");
  }

  @Test
  void aNodeThatIsNotJoinedJoinsThroughAnAnnounceWithOnePing() throws Exception {
    DhtEngine e = engine();
    assertTrue(LanAnnouncer.joinThrough(e, heard, 0) >= 0, "an empty node joins");
    List<Transmit> sent = drain(e);
    assertEquals(1, sent.size(), "one ping");
    assertEquals(heard.endpoint(), sent.get(0).to());
    assertEquals(-1, LanAnnouncer.joinThrough(e, heard, 10), "its bootstrap still runs: ignored");
    assertEquals(0, drain(e).size());
  }

  @Test
  void aNodeOnAnIslandOfOneContactStillJoinsAndAJoinedNodeIgnoresAnnounces() throws Exception {
    DhtEngine island = engine();
    island.addContact(new Contact(NodeId.ofWords(5, 5, 5, 5), new InetSocketAddress("192.168.1.5", 4000)), 0);
    drain(island);
    assertEquals(0, island.runningQueries());
    assertEquals(-1, LanAnnouncer.joinThrough(island, new LanAnnouncer.Heard(NodeId.ofWords(5, 5, 5, 5),
        new InetSocketAddress("192.168.1.5", 4000)), 0), "the one it holds brings nothing new");
    assertTrue(LanAnnouncer.joinThrough(island, heard, 0) >= 0, "one contact (another node that had not joined) is not joined");
    assertEquals(heard.endpoint(), drain(island).get(0).to());

    DhtEngine joined = engine();
    for (int i = 0; i < K; i++) {
      joined.addContact(new Contact(NodeId.ofWords(i + 10, 0, 0, 0), new InetSocketAddress("10." + (i + 10) + ".0.1", 4000)), 0);
    }
    drain(joined);
    assertEquals(K, joined.contactCount());
    assertEquals(0, joined.runningQueries());
    assertEquals(-1, LanAnnouncer.joinThrough(joined, heard, 0), "a bucket's worth of contacts: joined");
    assertEquals(0, drain(joined).size());
  }

  private static DhtEngine engine() {
    return new DhtEngine(Identity.generate(new SplittableRandom(3)), DhtConfig.builder().k(K).build(),
        new SplittableRandom(4), () -> 0L, ValueValidator.standard(), new MemoryValueStore());
  }

  private static List<Transmit> drain(DhtEngine e) {
    List<Transmit> out = new java.util.ArrayList<>();
    for (Transmit t; (t = e.pollTransmit()) != null; ) {
      out.add(t);
    }
    return out;
  }
}
