package dev.wormholes.networks;

import static dev.wormholes.networks.TestRosters.valid;
import static dev.wormholes.networks.TestRosters.withMembers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link RosterSync} on a fake clock (ms): push rounds, gossip and catch-up on ticks, wakes. */
class RosterSyncTest {
  private static final InetSocketAddress SEED = new InetSocketAddress("127.0.0.2", 4000);
  private final Random random = new Random(23);
  private final Identity alice = Identity.generate(random);
  private final Identity bob = Identity.generate(random);
  private final Identity carol = Identity.generate(random);
  private final Identity stranger = Identity.generate(random);
  private final Roster before = withMembers(Roster.create(alice, "friends", random), alice, random, bob, carol);
  private final Roster after = valid(before.append(before.removeMember(alice, carol.id(), random).change()));

  private RosterSync sync() {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    return new RosterSync(alice.id(), secret);
  }

  private static List<RosterSync.Send> only(List<RosterSync.Send> sends, Class<? extends RosterSync.Send> kind) {
    return sends.stream().filter(kind::isInstance).toList();
  }

  @Test
  void aChangeIsPushedToTheContactsThatWereMembersInThreeRounds() {
    RosterSync s = sync();
    List<NodeId> contacts = List.of(alice.id(), bob.id(), carol.id(), stranger.id());
    s.poll(after, List.of(), List.of(), 0); // a tick at 0: nothing to gossip yet
    List<RosterSync.Send> first = s.committed(before, contacts, 500);
    assertEquals(List.of(new RosterSync.Send.Push(0, bob.id(), 0, false), new RosterSync.Send.Push(0, carol.id(), 0, false)),
        first, "bob and the removed carol (her notice), not this node nor a stranger");
    assertEquals(1_500, s.nextWake(), "the second round");
    assertEquals(List.of(), only(s.poll(after, contacts, List.of(), 1_499), RosterSync.Send.Push.class));
    assertEquals(List.of(new RosterSync.Send.Push(0, bob.id(), 1, false), new RosterSync.Send.Push(0, carol.id(), 1, false)),
        only(s.poll(after, contacts, List.of(), 1_500), RosterSync.Send.Push.class));
    assertEquals(2_000, s.nextWake(), "the tick comes first");
    s.poll(after, contacts, List.of(), 2_000);
    assertEquals(3_500, s.nextWake(), "then the last round");
    assertEquals(List.of(new RosterSync.Send.Push(0, bob.id(), 2, true), new RosterSync.Send.Push(0, carol.id(), 2, true)),
        only(s.poll(after, contacts, List.of(), 3_500), RosterSync.Send.Push.class));
    assertEquals(List.of(), only(s.poll(after, contacts, List.of(), 10_000), RosterSync.Send.Push.class), "done");
    assertEquals(6, s.counters()[0]);
  }

  @Test
  void aLatePollSendsOnlyTheLatestRoundDue() {
    RosterSync s = sync();
    s.committed(before, List.of(bob.id()), 0);
    assertEquals(List.of(new RosterSync.Send.Push(0, bob.id(), 2, true)),
        only(s.poll(after, List.of(bob.id()), List.of(), 3_200), RosterSync.Send.Push.class),
        "rounds 1 and 2 are the same datagrams: the late poll sends them once");
  }

  @Test
  void gossipGoesOnTicksToMemberContactsOncePerChangeAndAgainAMinuteLater() {
    RosterSync s = sync();
    List<NodeId> contacts = List.of(bob.id(), carol.id(), stranger.id());
    assertEquals(List.of(new RosterSync.Send.Gossip(bob.id())), s.poll(after, contacts, List.of(), 0),
        "members only: carol was removed, the stranger never was one");
    assertEquals(RosterSync.TICK_MS, s.nextWake());
    assertEquals(List.of(), s.poll(after, contacts, List.of(), RosterSync.TICK_MS), "sent this sequence number already");
    assertEquals(List.of(), s.poll(after, contacts, List.of(), RosterGossip.REPEAT_MS - 1), "not a tick");
    assertEquals(List.of(new RosterSync.Send.Gossip(bob.id())),
        s.poll(after, contacts, List.of(), RosterSync.TICK_MS + RosterGossip.REPEAT_MS), "again after a minute");
  }

  @Test
  void aMemberThatSendsAnOlderRosterIsSentOursAtTheNextTickNotAMinuteLater() {
    RosterSync s = sync();
    List<NodeId> contacts = List.of(bob.id());
    assertEquals(List.of(new RosterSync.Send.Gossip(bob.id())), s.poll(after, contacts, List.of(), 0));
    assertEquals(List.of(), s.poll(after, contacts, List.of(), RosterSync.TICK_MS), "sent");
    s.heardOlder(bob.id()); // bob, back from being away, gossiped the roster he held before
    assertEquals(List.of(new RosterSync.Send.Gossip(bob.id())), s.poll(after, contacts, List.of(), 2 * RosterSync.TICK_MS),
        "at the next tick, not " + RosterGossip.REPEAT_MS + " ms after the last send");
  }

  @Test
  void aNetworkWithoutContactAsksItsSeedsOnTicksBackingOff() {
    RosterSync s = sync();
    List<Long> asked = new java.util.ArrayList<>();
    for (long now = 0; now <= 60_000; now = s.nextWake()) {
      if (!s.poll(before, List.of(), List.of(SEED), now).isEmpty()) {
        asked.add(now);
      }
    }
    assertEquals(List.of(6_000L, 12_000L, 22_000L, 42_000L), asked,
        "on 2 s ticks: 5 s quiet, then 5, 10, 20 s apart (each at the first tick after it)");
    assertTrue(s.followUp(SEED), "a challenge from a seed asked this round is followed up");
    assertEquals(List.of(), s.poll(before, List.of(bob.id()), List.of(SEED), 62_000).stream()
        .filter(RosterSync.Send.Ask.class::isInstance).toList(), "a contact: no more asking");
    assertEquals(0, s.catchUp().rounds());
  }

  @Test
  void aMemberLeftAtAnOldEpochWithAnotherOneGetsTheNewRosterWithinSeconds() {
    // Five members; dave's removal (a new epoch) reached carol and erin but not alice and bob,
    // who stay each other's contacts under the old key while the others no longer take it.
    Identity dave = Identity.generate(random);
    Identity erin = Identity.generate(random);
    Roster old = withMembers(Roster.create(carol, "island", random), carol, random, alice, bob, dave, erin);
    Roster next = valid(old.append(old.removeMember(carol, dave.id(), random).change()));
    InetSocketAddress aliceAt = new InetSocketAddress("127.0.0.1", 4000);
    InetSocketAddress carolAt = new InetSocketAddress("127.0.0.3", 4000);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    RosterSync carolSync = new RosterSync(carol.id(), secret);
    RosterSync s = sync();
    Roster held = old;
    long t0 = 1_000_000;
    for (long now = t0; now <= t0 + 10_000 && held.seq() < next.seq(); now = s.nextWake()) {
      for (RosterSync.Send send : s.poll(held, List.of(bob.id()), List.of(carolAt), now)) {
        if (!(send instanceof RosterSync.Send.Ask ask)) {
          continue;
        }
        CatchUp.Decision d = carolSync.catchUp().answer(next, CatchUp.request(alice, old.id(), now), aliceAt, now);
        CatchUp.Decision.Challenge c = (CatchUp.Decision.Challenge) d;
        assertTrue(s.followUp(ask.to()));
        d = carolSync.catchUp().answer(next, CatchUp.request(alice, old.id(), c.cookie(), now), aliceAt, now);
        assertEquals(new CatchUp.Decision.Answer(alice.id(), true), d);
        held = ((RosterResult.Valid) held.adopt(next)).roster();
      }
    }
    assertEquals(next.seq(), held.seq(), "one contact of four other members: alice asks and is answered within 10 s");
    assertEquals(1, s.catchUp().rounds());
  }
}
