package dev.wormholes.onion.path;

import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Choose a circuit's path, a pure function of its inputs and the random source handed in.
 *
 * <p>Hop 1 is a pinned friend. A record counts only under its own node id. Hop 2 is drawn from hop
 * 1's signed neighbour list (one of the friends' lists whose union the caller fetched records for)
 * and kept only if it is reciprocal: its own signed list names hop 1 back, so both ends claim the
 * link the circuit will use. Hop 3 (optional) is one more reciprocal step from hop 2. Every hop has
 * a record in {@code records}, no two hops (or a hop and this node) share a node id, identity key or
 * onion key, and no two hops share a /16 (IPv4) or /32 (IPv6); loopback addresses (127/8, ::1:
 * nodes on one machine, as in tests) are exempt from that rule. Each drawn hop gets at most {@code
 * maxRetries} draws; hop 2 is fixed before hop 3 is drawn. Lists are sets: a name listed twice
 * counts once, and only the previous hop's list and the candidates' own lists matter.
 *
 * <p><b>Long lists buy nothing.</b> A drawn name that is eligible is kept with probability {@code
 * min(1, ref / |its list|)}, where {@code ref} is the shorter of the previous hop's list and this
 * node's own list ({@code ownList}): a Metropolis-Hastings acceptance (which makes a walk uniform
 * over nodes whatever their degree), its reference capped so that a colluding previous hop cannot
 * lengthen it. A node's chance of being kept never grows with the length of its own list, so
 * colluders naming each other (which passes reciprocity) are each less likely to be drawn, from an
 * honest hop's list and from a colluder's alike; a list no longer than the reference is kept as
 * before, so a short list gains nothing either.
 */
public final class PathSelection {
  private static final byte[] LOOPBACK6 = new byte[16];

  static {
    LOOPBACK6[15] = 1;
  }

  private PathSelection() {}

  /**
   * A node as its signed records describe it (signatures checked by the caller).
   *
   * @param hop its identity and onion keys
   * @param address the IP address it is reached at (4 or 16 bytes)
   * @param neighbours the node ids its signed neighbour list names
   */
  public record Peer(Hop hop, byte[] address, Set<NodeId> neighbours) {
    /** Check the address and copy. */
    public Peer {
      if (address.length != 4 && address.length != 16) {
        throw new IllegalArgumentException("an IPv4 or IPv6 address");
      }
      address = address.clone();
      neighbours = Set.copyOf(neighbours);
    }

    NodeId id() {
      return hop.node();
    }

    /** The /16 or /32 the subnet rule compares, or null for a loopback address (exempt). */
    String subnet() {
      boolean loopback = address.length == 4 ? address[0] == 127 : Arrays.equals(address, LOOPBACK6);
      return loopback ? null : Arrays.toString(Arrays.copyOf(address, address.length == 4 ? 2 : 4));
    }
  }

  /** The outcome: a path or why there is none. */
  public sealed interface Result {
    /** A path, hop 1 first. @param hops the hops */
    record Chosen(List<Hop> hops) implements Result {}

    /** No path. @param failedHop the hop (2 or 3) no draw could fill */
    record NoPath(int failedHop) implements Result {}
  }

  /**
   * Choose a path of {@code length} (2 or 3) hops.
   *
   * @param self this node's id (never a hop)
   * @param friend the pinned friend, hop 1
   * @param records the signed records known for the union of the friends' neighbour lists
   * @param length 2 or 3
   * @param maxRetries most draws per hop
   * @param ownList the length of this node's own neighbour list (its friends), the longest list
   *     kept without a discount
   * @param random the draw
   */
  public static Result select(NodeId self, Peer friend, Map<NodeId, Peer> records, int length,
      int maxRetries, int ownList, RandomGenerator random) {
    if (length < 2 || length > 3 || maxRetries < 1 || ownList < 1) {
      throw new IllegalArgumentException("2 or 3 hops, at least one draw, a list of one name at least");
    }
    List<Peer> path = new ArrayList<>(List.of(friend));
    for (int hop = 2; hop <= length; hop++) {
      Peer next = draw(self, path, records, maxRetries, ownList, random);
      if (next == null) {
        return new Result.NoPath(hop);
      }
      path.add(next);
    }
    return new Result.Chosen(path.stream().map(Peer::hop).toList());
  }

  /** Draw a reciprocal neighbour of the path's last hop that fits the path, or null. */
  private static Peer draw(NodeId self, List<Peer> path, Map<NodeId, Peer> records, int maxRetries,
      int ownList, RandomGenerator random) {
    Peer last = path.get(path.size() - 1);
    List<NodeId> names = new ArrayList<>(new TreeSet<>(last.neighbours()));
    if (names.isEmpty()) {
      return null;
    }
    int ref = Math.min(names.size(), ownList);
    for (int attempt = 0; attempt < maxRetries; attempt++) {
      NodeId name = names.get(random.nextInt(names.size()));
      Peer candidate = records.get(name);
      if (candidate != null && candidate.id().equals(name) && candidate.neighbours().contains(last.id())
          && fits(self, path, candidate) && kept(ref, candidate.neighbours().size(), random)) {
        return candidate;
      }
    }
    return null;
  }

  /** Keep a candidate whose list has {@code length} names with probability {@code min(1, ref / length)}. */
  private static boolean kept(int ref, int length, RandomGenerator random) {
    return length <= ref || random.nextDouble() * length < ref;
  }

  private static boolean fits(NodeId self, List<Peer> path, Peer candidate) {
    if (candidate.id().equals(self)) {
      return false;
    }
    for (Peer p : path) {
      if (p.id().equals(candidate.id()) || (p.subnet() != null && p.subnet().equals(candidate.subnet()))
          || Arrays.equals(p.hop().identityKey(), candidate.hop().identityKey())
          || Arrays.equals(p.hop().onionKey(), candidate.hop().onionKey())) {
        return false;
      }
    }
    return true;
  }
}
