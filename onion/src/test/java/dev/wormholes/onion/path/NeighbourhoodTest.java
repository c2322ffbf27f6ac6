package dev.wormholes.onion.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.path.PathSelection.Peer;
import dev.wormholes.proto.NodeId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Which lists a build reads: capped per level however long a list is, drawn, without repeats. */
class NeighbourhoodTest {
  private final SplittableRandom random = new SplittableRandom(5);

  private Peer peer(Set<NodeId> neighbours) {
    byte[] identity = new byte[32];
    byte[] onion = new byte[32];
    random.nextBytes(identity);
    random.nextBytes(onion);
    return new Peer(new Hop(identity, onion), new byte[] {10, 0, 0, 1}, neighbours);
  }

  private static Set<NodeId> ids(int from, int count) {
    Set<NodeId> s = new HashSet<>();
    for (long i = from; i < from + count; i++) {
      s.add(NodeId.ofWords(i, i, i, i));
    }
    return s;
  }

  @Test
  void aLongListIsReadOnlyUpToTheCapsAndEveryNameCanBeDrawn() {
    NodeId self = NodeId.ofWords(0, 0, 0, 0);
    Set<NodeId> list = ids(1, 500); // a hostile hop signs a list of 500 names, self among them
    list.add(self);
    Peer friend = peer(list);
    Set<NodeId> avoid = ids(1, 5);
    Set<NodeId> seen = new HashSet<>();
    for (int round = 0; round < 400; round++) {
      List<NodeId> first = Neighbourhood.first(friend, self, avoid, random);
      assertEquals(Neighbourhood.FIRST, first.size());
      assertEquals(first.size(), new HashSet<>(first).size());
      assertFalse(first.contains(self));
      assertTrue(first.stream().noneMatch(avoid::contains));
      seen.addAll(first);
    }
    assertEquals(500 - 5, seen.size(), "drawn uniformly: every eligible name comes up");

    Map<NodeId, Peer> read = new HashMap<>();
    for (NodeId id : Neighbourhood.first(friend, self, avoid, random)) {
      read.put(id, peer(ids(1000, 300))); // each names the same 300 others
    }
    List<NodeId> second = Neighbourhood.second(friend, read, self, avoid, random);
    assertEquals(Neighbourhood.SECOND, second.size());
    assertTrue(second.stream().noneMatch(read::containsKey));
    assertTrue(ids(1000, 300).containsAll(second));
  }

  @Test
  void oneLongListDoesNotCrowdOutTheOthersNames() {
    NodeId self = NodeId.ofWords(0, 0, 0, 0);
    Peer friend = peer(ids(1, 4));
    for (int round = 0; round < 20; round++) {
      Map<NodeId, Peer> read = new HashMap<>();
      read.put(NodeId.ofWords(1, 1, 1, 1), peer(ids(1000, 2000))); // a colluder names 2000 others
      read.put(NodeId.ofWords(2, 2, 2, 2), peer(ids(10, 3)));
      read.put(NodeId.ofWords(3, 3, 3, 3), peer(ids(20, 3)));
      read.put(NodeId.ofWords(4, 4, 4, 4), peer(ids(30, 3)));
      List<NodeId> second = Neighbourhood.second(friend, read, self, Set.of(), random);
      assertEquals(Neighbourhood.SECOND, second.size());
      assertTrue(second.containsAll(ids(10, 3)) && second.containsAll(ids(20, 3)) && second.containsAll(ids(30, 3)),
          "every name of the short lists is read");
    }
  }

  @Test
  void shortListsAreReadWholeWithoutTheFriendSelfOrNamesReadBefore() {
    NodeId self = NodeId.ofWords(0, 0, 0, 0);
    Peer friend = peer(ids(1, 3));
    Set<NodeId> secondLevel = new HashSet<>(ids(1, 3)); // they name each other back
    secondLevel.addAll(ids(10, 4));
    secondLevel.add(self);
    Map<NodeId, Peer> read = new HashMap<>();
    for (NodeId id : Neighbourhood.first(friend, self, Set.of(), random)) {
      read.put(id, peer(secondLevel));
    }
    assertEquals(ids(1, 3), read.keySet());
    assertEquals(ids(10, 4), Set.copyOf(Neighbourhood.second(friend, read, self, Set.of(), random)));
  }
}
