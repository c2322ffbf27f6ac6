package dev.wormholes.onion.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.path.CircuitPlanner.Decision;
import dev.wormholes.onion.path.CircuitPlanner.Limits;
import dev.wormholes.onion.path.PathSelection.Peer;
import dev.wormholes.onion.path.PathSelection.Result;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The planner on a fake clock: guard persistence, rebuild around a failed hop, the retry cap. */
class CircuitPlannerTest {
  private static final long HOUR = 3600_000;
  private final SplittableRandom random = new SplittableRandom(7);
  private final NodeId self = id(0);
  private final List<NodeId> friends = List.of(id(1), id(2), id(3), id(4), id(5), id(6));

  private static NodeId id(long n) {
    return NodeId.ofWords(n, n, n, n);
  }

  private static List<NodeId> path(NodeId first, long a, long b) {
    return List.of(first, id(a), id(b));
  }

  @Test
  void theGuardIsKeptAcrossCircuitsAndFailuresFurtherAlong() {
    CircuitPlanner p = new CircuitPlanner(Limits.defaults(), 0);
    NodeId guard = p.attempt().friends(friends, self, 0, random).get(0);
    assertEquals(guard, p.guard());
    for (int i = 1; i <= 200; i++) {
      long now = i * HOUR;
      CircuitPlanner.Attempt a = p.attempt();
      List<NodeId> order = a.friends(friends, self, now, random);
      assertEquals(guard, order.get(0), "circuit " + i + " starts at the guard");
      assertEquals(friends.size(), order.size());
      a.started(path(guard, 100 + i, 200 + i));
      // hop 2 or 3 fails: a hostile later hop does not move the client off its guard
      a.failed(path(guard, 100 + i, 200 + i), 1 + i % 2, now);
    }
    assertEquals(guard, p.guard());
    assertEquals(1L, p.counters().get("guardsChosen"));
  }

  @Test
  void aSilentGuardIsReplacedOnlyAfterMissesInARowAndASuccessResetsTheCount() {
    CircuitPlanner p = new CircuitPlanner(Limits.defaults(), 0);
    NodeId guard = p.attempt().friends(friends, self, 0, random).get(0);
    long now = 0;
    for (int round = 0; round < 3; round++) { // two misses, then a success, again and again
      for (int miss = 0; miss < 2; miss++) {
        CircuitPlanner.Attempt a = p.attempt();
        assertEquals(guard, a.friends(friends, self, ++now, random).get(0));
        a.started(path(guard, 10, 11));
        a.failed(path(guard, 10, 11), 0, now);
      }
      CircuitPlanner.Attempt a = p.attempt();
      a.friends(friends, self, ++now, random);
      a.started(path(guard, 10, 11));
      a.built(path(guard, 10, 11), now);
    }
    assertEquals(guard, p.guard());
    for (int miss = 0; miss < 3; miss++) {
      CircuitPlanner.Attempt a = p.attempt();
      assertEquals(guard, a.friends(friends, self, ++now, random).get(0));
      a.started(path(guard, 10, 11));
      a.failed(path(guard, 10, 11), 0, now);
    }
    CircuitPlanner.Attempt next = p.attempt();
    NodeId replacement = next.friends(friends, self, ++now, random).get(0);
    assertNotNull(p.guard());
    assertEquals(replacement, p.guard());
    assertEquals(2L, p.counters().get("guardsChosen"));
  }

  @Test
  void aGuardReplacedForSilenceIsNotDrawnAgainAtOnce() {
    List<NodeId> two = List.of(id(1), id(2));
    for (long seed = 0; seed < 32; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      CircuitPlanner p = new CircuitPlanner(Limits.defaults(), 0);
      CircuitPlanner.Attempt a = null;
      NodeId silent = p.attempt().friends(two, self, 0, r).get(0);
      for (int miss = 1; miss <= 3; miss++) {
        a = p.attempt();
        assertEquals(silent, a.friends(two, self, miss, r).get(0));
        a.started(path(silent, 10, 11));
        a.failed(path(silent, 10, 11), 0, miss);
      }
      NodeId other = silent.equals(id(1)) ? id(2) : id(1);
      assertEquals(List.of(other), a.friends(two, self, 4, r), "seed " + seed);
      assertEquals(other, p.guard(), "seed " + seed + ": the new guard is the friend that answers");
      assertEquals(other, p.attempt().friends(two, self, 5, r).get(0), "seed " + seed);
    }
    // the sole friend left is drawn again: hop 1 keeps a guard
    CircuitPlanner p = new CircuitPlanner(Limits.defaults(), 0);
    List<NodeId> one = List.of(id(1));
    for (int miss = 1; miss <= 3; miss++) {
      CircuitPlanner.Attempt a = p.attempt();
      a.friends(one, self, miss, random);
      a.started(path(id(1), 10, 11));
      a.failed(path(id(1), 10, 11), 0, miss);
    }
    assertEquals(List.of(id(1)), p.attempt().friends(one, self, 4, random));
    assertEquals(id(1), p.guard());
  }

  @Test
  void theGuardExpiresAfterItsLifetimeAndWhenItIsNoLongerAFriend() {
    Limits l = Limits.defaults();
    CircuitPlanner p = new CircuitPlanner(l, 0);
    NodeId guard = p.attempt().friends(friends, self, 0, random).get(0);
    assertEquals(guard, p.attempt().friends(friends, self, l.guardLifetimeMs() - 1, random).get(0));
    p.attempt().friends(friends, self, l.guardLifetimeMs(), random);
    assertEquals(2L, p.counters().get("guardsChosen"));
    NodeId second = p.guard();
    List<NodeId> without = new ArrayList<>(friends);
    without.remove(second);
    NodeId third = p.attempt().friends(without, self, l.guardLifetimeMs() + 1, random).get(0);
    assertNotEquals(second, third);
    assertEquals(third, p.guard());
  }

  @Test
  void aRebuildAvoidsTheHopThatDidNotAnswerAndFallsBackToOtherFriends() {
    CircuitPlanner p = new CircuitPlanner(Limits.defaults(), 0);
    CircuitPlanner.Attempt a = p.attempt();
    NodeId guard = a.friends(friends, self, 0, random).get(0);
    a.started(path(guard, 10, 11));
    Decision d = a.failed(path(guard, 10, 11), 2, 0); // hop 3 (id 11) never answered
    assertEquals(new Decision.Retry(id(11)), d);
    assertEquals(Set.of(id(11)), a.avoided());
    assertEquals(guard, a.friends(friends, self, 1, random).get(0));
    a.started(path(guard, 12, 13));
    d = a.failed(path(guard, 12, 13), 0, 1); // the guard itself was silent
    assertEquals(new Decision.Retry(guard), d);
    List<NodeId> fallback = a.friends(friends, self, 2, random);
    assertFalse(fallback.contains(guard), "this attempt tries the other friends");
    assertEquals(friends.size() - 1, fallback.size());
    assertEquals(guard, p.guard(), "one silent build does not replace the guard");
    a.started(path(fallback.get(0), 14, 15));
    d = a.failed(path(fallback.get(0), 14, 15), 1, 2);
    assertInstanceOf(Decision.GiveUp.class, d, "at most maxBuilds builds per circuit");
    assertTrue(((Decision.GiveUp) d).why().contains("3 build(s)"));
  }

  @Test
  void thePathLeavesOutAvoidedNodes() {
    SplittableRandom keys = new SplittableRandom(3);
    List<Hop> hops = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] a = new byte[32];
      byte[] b = new byte[32];
      keys.nextBytes(a);
      keys.nextBytes(b);
      hops.add(new Hop(a, b));
    }
    NodeId me = hops.get(0).node();
    NodeId friend = hops.get(1).node();
    Map<NodeId, Peer> records = new HashMap<>();
    Set<NodeId> friendList = new HashSet<>();
    for (int i = 2; i < 5; i++) {
      records.put(hops.get(i).node(), new Peer(hops.get(i), new byte[] {(byte) i, 1, 0, 1}, Set.of(friend)));
      friendList.add(hops.get(i).node());
    }
    Peer friendPeer = new Peer(hops.get(1), new byte[] {1, 1, 0, 1}, friendList);
    CircuitPlanner p = new CircuitPlanner(new Limits(2, 64, 3, HOUR, 3, 10, 30), 0);
    CircuitPlanner.Attempt a = p.attempt();
    a.friends(List.of(friend), me, 0, random);
    a.started(List.of(friend, hops.get(2).node()));
    a.failed(List.of(friend, hops.get(2).node()), 1, 0);
    a.started(List.of(friend, hops.get(3).node()));
    a.failed(List.of(friend, hops.get(3).node()), 1, 0);
    for (int i = 0; i < 50; i++) {
      Result r = a.path(me, friendPeer, records, random);
      assertEquals(hops.get(4), ((Result.Chosen) r).hops().get(1));
    }
  }

  @Test
  void rebuildsAreCappedPerHourWhateverTheNumberOfCircuitsAsked() {
    Limits l = new Limits(3, 16, 3, 30 * 24 * HOUR, 3, 10, 30);
    CircuitPlanner p = new CircuitPlanner(l, 0);
    long now = 0;
    int rebuilds = 0;
    // A hop 2 that fails every build: each circuit asked gets one build, and rebuilds while tokens last.
    for (int circuit = 0; circuit < 1000; circuit++) {
      now += 1_000;
      CircuitPlanner.Attempt a = p.attempt();
      NodeId guard = a.friends(friends, self, now, random).get(0);
      while (true) {
        a.started(path(guard, 50, 51));
        Decision d = a.failed(path(guard, 50, 51), 1, now);
        if (d instanceof Decision.GiveUp) {
          break;
        }
        rebuilds++;
      }
    }
    // 1000 s at 30 an hour: the burst of 10 and ~8 refilled.
    assertTrue(rebuilds >= 10 && rebuilds <= 10 + 9, "rebuilds " + rebuilds);
    assertTrue(p.counters().get("retriesRefused") > 900);
    // An hour later the bucket is full again.
    CircuitPlanner.Attempt later = p.attempt();
    NodeId guard = later.friends(friends, self, now + HOUR, random).get(0);
    later.started(path(guard, 60, 61));
    assertInstanceOf(Decision.Retry.class, later.failed(path(guard, 60, 61), 1, now + HOUR));
  }
}
