package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamAccessTest {
  private final Random random = new Random(11);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity mallory = Identity.generate(random);

  private static Roster valid(RosterResult r) {
    return assertInstanceOf(RosterResult.Valid.class, r, () -> r.toString()).roster();
  }

  @Test
  void onlyMembersThroughTheirOwnNetworkGetIn() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = valid(f.roster().append(f.roster().addMember(alice, Member.of(bob), f.epochKey(), random)));
    Roster other = Roster.create(mallory, "other", random).roster();
    assertEquals(Optional.empty(), StreamAccess.refusal(r, r.id(), bob.id()));
    assertEquals(Optional.of(StreamAccess.Refusal.OTHER_PATH), StreamAccess.refusal(r, null, bob.id()));
    assertEquals(Optional.of(StreamAccess.Refusal.OTHER_PATH), StreamAccess.refusal(r, other.id(), bob.id()));
    assertEquals(Optional.of(StreamAccess.Refusal.NOT_MEMBER), StreamAccess.refusal(r, r.id(), mallory.id()));
    assertTrue(StreamAccess.mayDial(r, alice.id(), bob.id()));
    assertFalse(StreamAccess.mayDial(r, alice.id(), mallory.id()));
    assertFalse(StreamAccess.mayDial(r, alice.id(), alice.id()));

    Roster removed = valid(r.append(r.removeMember(alice, bob.id(), random).change()));
    assertEquals(Optional.of(StreamAccess.Refusal.NOT_MEMBER), StreamAccess.refusal(removed, r.id(), bob.id()));
    assertFalse(StreamAccess.mayDial(removed, alice.id(), bob.id()));
  }

  @Test
  void networkAddressesAreStablePerNetworkAndEndpointAndBounded() {
    NetworkAddresses t = new NetworkAddresses();
    NetworkId a = Roster.create(alice, "a", random).roster().id();
    NetworkId b = Roster.create(alice, "b", random).roster().id();
    InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 4000);
    InetSocketAddress sa = t.of(a, peer).orElseThrow();
    assertEquals(sa, t.of(a, peer).orElseThrow());
    InetSocketAddress sb = t.of(b, peer).orElseThrow();
    assertNotEquals(sa, sb, "one endpoint in two networks: two connections");
    assertTrue(NetworkAddresses.isNetworkAddress(sa));
    assertFalse(NetworkAddresses.isNetworkAddress(peer));
    assertEquals(new NetworkAddresses.Via(a, peer), t.via(sa).orElseThrow());
    assertEquals(Optional.empty(), t.via(peer));
    t.forgetNetwork(a);
    assertEquals(Optional.empty(), t.via(sa));
    assertEquals(new NetworkAddresses.Via(b, peer), t.via(sb).orElseThrow());
    for (int port = 1; t.size() < NetworkAddresses.MAX; port++) {
      assertTrue(t.of(a, new InetSocketAddress("127.0.0.3", port)).isPresent());
    }
    assertEquals(NetworkAddresses.MAX, t.size());
    assertEquals(Optional.empty(), t.of(b, new InetSocketAddress("127.0.0.2", 1)));
  }

  @Test
  void gossipSendsEachMemberContactEachNewRosterOnceAndRepeatsAfterAMinute() {
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = valid(f.roster().append(f.roster().addMember(alice, Member.of(bob), f.epochKey(), random)));
    RosterGossip g = new RosterGossip();
    java.util.List<dev.wormholes.proto.NodeId> contacts = java.util.List.of(alice.id(), bob.id(), mallory.id());
    assertEquals(java.util.List.of(bob.id()), g.due(r, contacts, alice.id(), 0));
    assertEquals(java.util.List.of(), g.due(r, contacts, alice.id(), 1_000));
    Roster r2 = valid(r.append(r.addMember(alice, Member.of(mallory), f.epochKey(), random)));
    assertEquals(java.util.List.of(bob.id(), mallory.id()), g.due(r2, contacts, alice.id(), 2_000));
    assertEquals(java.util.List.of(), g.due(r2, contacts, alice.id(), 3_000));
    assertEquals(java.util.List.of(bob.id(), mallory.id()), g.due(r2, contacts, alice.id(), 2_000 + RosterGossip.REPEAT_MS));
  }
}
