package dev.wormholes.onion.path;

import dev.wormholes.onion.path.PathSelection.Peer;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Which signed neighbour lists a build reads before {@link PathSelection} draws its hops, pure:
 * through a friend, first at most {@link #FIRST} names of the friend's list, drawn uniformly, then
 * at most {@link #SECOND} names from the lists read first, an equal share from each; leaving out
 * this node, the friend, names already read and the nodes the attempt avoids. A build so reads at
 * most 1 + 16 + 32 records, however long the lists a hostile hop signs.
 */
public final class Neighbourhood {
  /** Most names read from a friend's list. */
  public static final int FIRST = 16;
  /** Most names read from the lists of those. */
  public static final int SECOND = 32;

  private Neighbourhood() {}

  /** Return the names of {@code friend}'s list to read first. */
  public static List<NodeId> first(Peer friend, NodeId self, Set<NodeId> avoid, RandomGenerator random) {
    return pick(friend.neighbours(), friend, self, avoid, Set.of(), FIRST, random);
  }

  /**
   * Return the names to read next, from the lists in {@code read} (the records read first): each
   * list in turn, in a drawn order, gives up to an equal share of {@link #SECOND} names drawn from
   * it, so that one long list cannot crowd out the names of the others; what the shares leave is
   * filled with names drawn from all of them.
   */
  public static List<NodeId> second(Peer friend, Map<NodeId, Peer> read, NodeId self, Set<NodeId> avoid,
      RandomGenerator random) {
    List<NodeId> lists = new ArrayList<>(new TreeSet<>(read.keySet()));
    shuffle(lists, random);
    int share = Math.max(1, SECOND / Math.max(1, lists.size()));
    Set<NodeId> skip = new HashSet<>(read.keySet());
    skip.addAll(avoid);
    Set<NodeId> out = new LinkedHashSet<>();
    Set<NodeId> all = new TreeSet<>();
    for (NodeId id : lists) {
      Set<NodeId> names = read.get(id).neighbours();
      all.addAll(names);
      out.addAll(pick(names, friend, self, skip, out, Math.min(share, SECOND - out.size()), random));
    }
    out.addAll(pick(all, friend, self, skip, out, SECOND - out.size(), random));
    return List.copyOf(out);
  }

  private static List<NodeId> pick(Set<NodeId> names, Peer friend, NodeId self, Set<NodeId> read, Set<NodeId> taken,
      int max, RandomGenerator random) {
    List<NodeId> list = new ArrayList<>(new TreeSet<>(names));
    list.remove(self);
    list.remove(friend.id());
    list.removeAll(read);
    list.removeAll(taken);
    shuffle(list, random);
    return List.copyOf(list.subList(0, Math.max(0, Math.min(max, list.size()))));
  }

  private static void shuffle(List<NodeId> list, RandomGenerator random) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, random.nextInt(i + 1));
    }
  }
}
