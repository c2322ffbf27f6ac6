package dev.wormholes.onion.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.onion.circuit.Hop;
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

class PathSelectionTest {
  private static final int HONEST = 20;
  private static final int HOSTILE = 4;
  private static final double HOSTILE_RATE = HOSTILE / (double) (HONEST + HOSTILE);

  /** A friend's neighbourhood with hostile members, ineligible names and a hostile friend's sybils. */
  private static final class World {
    final SplittableRandom keys;
    final NodeId self;
    final Map<NodeId, Peer> records = new HashMap<>();
    final Set<NodeId> honest = new HashSet<>();
    final Set<NodeId> hostile = new HashSet<>();
    final Peer friend;
    int nextAddress = 1;

    World(long seed, int sybils) {
      keys = new SplittableRandom(seed);
      self = hop().node();
      Hop friendHop = hop();
      NodeId friendId = friendHop.node();
      Set<NodeId> friendList = new HashSet<>(Set.of(self));
      List<Hop> sybilHops = new ArrayList<>();
      List<NodeId> sybilIds = new ArrayList<>();
      for (int i = 0; i < sybils; i++) {
        sybilHops.add(hop());
        sybilIds.add(sybilHops.get(i).node());
      }
      for (int i = 0; i < HONEST; i++) {
        Peer p = add(hop(), address(), Set.of(friendId, self));
        honest.add(p.id());
        friendList.add(p.id());
      }
      // Honest nodes name each other, so a third hop can be drawn from them.
      List<NodeId> honestIds = new ArrayList<>(honest);
      for (NodeId h : honestIds) {
        Set<NodeId> list = new HashSet<>(honestIds);
        list.remove(h);
        list.add(friendId);
        Peer old = records.get(h);
        records.put(h, new Peer(old.hop(), old.address(), list));
      }
      for (int i = 0; i < HOSTILE; i++) {
        Set<NodeId> list = new HashSet<>(sybilIds);
        list.add(friendId);
        Peer p = add(hop(), address(), list);
        hostile.add(p.id());
        friendList.add(p.id());
      }
      for (Hop s : sybilHops) {
        Set<NodeId> list = new HashSet<>(hostile);
        list.add(friendId);
        add(s, address(), list);
      }
      // Ineligible names in the friend's list: no reciprocity, no record, the friend's /16, the
      // friend's onion key, a record filed under another node's name.
      friendList.add(add(hop(), address(), Set.of()).id());
      friendList.add(hop().node());
      byte[] friendAddress = address();
      friendList.add(add(hop(), new byte[] {friendAddress[0], friendAddress[1], 9, 9}, Set.of(friendId)).id());
      Hop sameOnion = new Hop(randomKey(), friendHop.onionKey());
      friendList.add(add(sameOnion, address(), Set.of(friendId)).id());
      NodeId misfiled = hop().node();
      records.put(misfiled, new Peer(hop(), address(), Set.of(friendId)));
      friendList.add(misfiled);
      friend = new Peer(friendHop, friendAddress, friendList);
      records.put(friendId, friend);
      // A hostile friend lists every sybil; its list is in the union but is not hop 1's.
      Set<NodeId> hostileFriendList = new HashSet<>(sybilIds);
      add(hop(), address(), hostileFriendList);
    }

    private Peer add(Hop hop, byte[] address, Set<NodeId> list) {
      Peer p = new Peer(hop, address, list);
      records.put(p.id(), p);
      return p;
    }

    private Hop hop() {
      return new Hop(randomKey(), randomKey());
    }

    private byte[] randomKey() {
      byte[] k = new byte[32];
      keys.nextBytes(k);
      return k;
    }

    private byte[] address() {
      int i = nextAddress++;
      return new byte[] {(byte) (i >>> 8), (byte) i, 0, 1};
    }
  }

  private static Peer peer(World w, Hop hop) {
    return w.records.get(hop.node());
  }

  private static void checkPath(World w, List<Hop> hops) {
    Set<NodeId> ids = new HashSet<>(Set.of(w.self));
    Set<String> subnets = new HashSet<>();
    for (int i = 0; i < hops.size(); i++) {
      Peer p = peer(w, hops.get(i));
      assertTrue(ids.add(p.id()), "distinct hops");
      assertTrue(subnets.add(p.subnet()), "distinct /16s");
      if (i > 0) {
        Peer prev = peer(w, hops.get(i - 1));
        assertTrue(prev.neighbours().contains(p.id()) && p.neighbours().contains(prev.id()), "reciprocal");
      }
    }
    assertEquals(w.friend.hop(), hops.get(0));
  }

  @Test
  void hostileListsCannotSteerTheSecondHopBeyondItsUniformShare() {
    qt().withExamples(12).forAll(longs().all(), integers().between(0, 3000)).checkAssert((seed, sybils) -> {
      World w = new World(seed, sybils);
      SplittableRandom draw = new SplittableRandom(seed ^ 0x5eed);
      int n = 6000;
      int hostileChosen = 0;
      for (int i = 0; i < n; i++) {
        Result r = PathSelection.select(w.self, w.friend, w.records, 2, 16, Integer.MAX_VALUE, draw);
        List<Hop> hops = ((Result.Chosen) r).hops();
        checkPath(w, hops);
        NodeId second = hops.get(1).node();
        assertTrue(w.honest.contains(second) || w.hostile.contains(second), "only eligible names");
        hostileChosen += w.hostile.contains(second) ? 1 : 0;
      }
      double sigma = Math.sqrt(n * HOSTILE_RATE * (1 - HOSTILE_RATE));
      assertTrue(hostileChosen <= n * HOSTILE_RATE + 4 * sigma, "hostile " + hostileChosen + " of " + n);
      if (sybils + 1 <= w.friend.neighbours().size()) { // lists no longer than hop 1's: no discount
        assertTrue(hostileChosen >= n * HOSTILE_RATE - 4 * sigma, "hostile " + hostileChosen + " of " + n);
      }
    });
  }

  /**
   * Hop 1 (a colluder) lists 8 honest friends and 100 colluders who all list each other: each
   * colluder's list is long, so each is kept about {@code 8 / 100} as often as an honest name of
   * the same list (a uniform draw from the list keeps them alike).
   */
  @Test
  void aLongListMakesANodeNoLikelierToBeDrawnFromAColludersListEither() {
    SplittableRandom keys = new SplittableRandom(11);
    java.util.function.Supplier<Hop> hop = () -> {
      byte[] a = new byte[32];
      byte[] b = new byte[32];
      keys.nextBytes(a);
      keys.nextBytes(b);
      return new Hop(a, b);
    };
    NodeId self = hop.get().node();
    Hop guard = hop.get();
    Set<NodeId> honest = new HashSet<>();
    Set<NodeId> ring = new HashSet<>(Set.of(guard.node()));
    Map<NodeId, Peer> records = new HashMap<>();
    for (int i = 0; i < 108; i++) {
      Hop h = hop.get();
      (i < 8 ? honest : ring).add(h.node());
      records.put(h.node(), new Peer(h, new byte[] {(byte) i, 1, 0, 1}, Set.of())); // lists below
    }
    for (Peer p : List.copyOf(records.values())) {
      Set<NodeId> list = new HashSet<>(honest.contains(p.id()) ? Set.of(guard.node()) : ring);
      list.remove(p.id());
      records.put(p.id(), new Peer(p.hop(), p.address(), list));
    }
    Set<NodeId> guardList = new HashSet<>(ring);
    guardList.remove(guard.node());
    guardList.addAll(honest);
    Peer friend = new Peer(guard, new byte[] {(byte) 200, 9, 0, 1}, guardList);
    SplittableRandom draw = new SplittableRandom(12);
    int n = 20_000;
    int colluders = 0;
    int paths = 0;
    for (int i = 0; i < n; i++) {
      if (PathSelection.select(self, friend, records, 2, 64, 8, draw) instanceof Result.Chosen c) {
        paths++;
        colluders += ring.contains(c.hops().get(1).node()) ? 1 : 0;
      }
    }
    double perColluder = colluders / 100.0;
    double perHonest = (paths - colluders) / 8.0;
    assertTrue(perColluder <= 0.1 * perHonest, perColluder + " per colluder, " + perHonest + " per honest name");
    assertTrue(paths > 0.99 * n, "paths found: " + paths);
  }

  @Test
  void threeHopPathsAreReciprocalStepsWithDistinctKeysAndSubnets() {
    World w = new World(7, 500);
    SplittableRandom draw = new SplittableRandom(8);
    int chosen = 0;
    for (int i = 0; i < 3000; i++) {
      if (PathSelection.select(w.self, w.friend, w.records, 3, 16, Integer.MAX_VALUE, draw) instanceof Result.Chosen c) {
        assertEquals(3, c.hops().size());
        checkPath(w, c.hops());
        chosen++;
      }
    }
    assertEquals(3000, chosen);
  }

  @Test
  void drawsAreCappedAndAFriendWithNoReciprocalNeighbourYieldsNoPath() {
    World w = new World(3, 0);
    Set<NodeId> oneWay = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      Peer p = new Peer(new Hop(w.randomKey(), w.randomKey()), w.address(), Set.of());
      w.records.put(p.id(), p);
      oneWay.add(p.id());
    }
    Peer lonely = new Peer(w.friend.hop(), w.friend.address(), oneWay);
    int[] draws = {0};
    SplittableRandom inner = new SplittableRandom(4);
    java.util.random.RandomGenerator counting = new java.util.random.RandomGenerator() {
      @Override
      public long nextLong() {
        return inner.nextLong();
      }

      @Override
      public int nextInt(int bound) {
        draws[0]++;
        return inner.nextInt(bound);
      }
    };
    assertEquals(new Result.NoPath(2), PathSelection.select(w.self, lonely, w.records, 2, 9, Integer.MAX_VALUE, counting));
    assertEquals(9, draws[0]);
  }

  @Test
  void loopbackAddressesAreExemptFromTheSubnetRuleWhileOtherSubnetsStillClash() {
    World w = new World(5, 0);
    Hop a = new Hop(w.randomKey(), w.randomKey());
    Hop b = new Hop(w.randomKey(), w.randomKey());
    Hop c = new Hop(w.randomKey(), w.randomKey());
    for (byte[][] addresses : new byte[][][] {
        {{127, 0, 0, 1}, {127, 0, 0, 1}, {127, 0, 0, 1}},
        {{10, 1, 0, 1}, {10, 1, 0, 2}, {10, 1, 0, 3}}}) {
      Peer friend = new Peer(a, addresses[0], Set.of(b.node()));
      Map<NodeId, Peer> records = Map.of(
          b.node(), new Peer(b, addresses[1], Set.of(a.node(), c.node())),
          c.node(), new Peer(c, addresses[2], Set.of(b.node())));
      Result r = PathSelection.select(w.self, friend, records, 3, 8, Integer.MAX_VALUE, new SplittableRandom(6));
      if (addresses[0][0] == 127) {
        assertEquals(new Result.Chosen(List.of(a, b, c)).hops().stream().map(Hop::node).toList(),
            ((Result.Chosen) r).hops().stream().map(Hop::node).toList());
      } else {
        assertEquals(new Result.NoPath(2), r);
      }
    }
  }
}
