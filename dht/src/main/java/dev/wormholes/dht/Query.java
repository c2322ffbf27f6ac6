package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.GetValue;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.StoredValue;
import java.util.HashMap;
import java.util.List;

/**
 * The engine's record of one running query: a {@link ClosestLookup} plus what its kind needs on
 * top (the best value of a GET, the tokens and acknowledgements of a PUT, the seed pings of a
 * bootstrap). Allocated when the query starts and dropped when it finishes.
 */
final class Query {
  /** What the query does. */
  enum Kind {
    /** Find the k closest nodes to a target. */
    FIND_NODE,
    /** Find the best value under a key. */
    GET,
    /** Find the k closest nodes to a key, then PUT the value to them. */
    PUT,
    /** Ping seeds, then find the nodes closest to ourselves. */
    BOOTSTRAP
  }

  final long id;
  final Kind kind;
  final NodeId target;
  /** Started by the engine itself (refresh, republish, replication): finishes without an event. */
  final boolean maintenance;
  final long startedAt;
  ClosestLookup lookup;
  boolean finished;
  int sent;
  int responses;
  int timeouts;

  // GET: the best verified value so far, the hop at which it was found, and what each peer
  // returned that passed the checks (for read repair; lookup only, never iterated).
  StoredValue best;
  int bestDepth;
  HashMap<NodeId, StoredValue> returned;
  // GET: the holders per path and the address prefixes of the holders that returned the best value.
  private int[] agreeingPerPath;
  private java.util.HashSet<Long> agreeingPrefixes;
  // GET: whether any answer carried something other than the best value (then no early end).
  private boolean disputed;
  // GET: the holder of the best value farthest from the target so far.
  private NodeId farthestAgreeing;

  // GET and PUT: the token each responder issued us (lookup only, never iterated).
  // PUT: the value and the store phase.
  StoredValue value;
  // PUT: how long ago the value was first stored (0 when we publish it; a holder's age when it replicates).
  long ageMs;
  HashMap<NodeId, ByteString> tokens;
  List<Contact> putTargets;
  boolean storing;
  int putsInFlight;
  int acks;

  // Contacts this lookup accepted from answers, and how many per IP and per prefix (see
  // admitAddress); null until used.
  private java.util.HashSet<NodeId> accepted;
  private HashMap<java.net.InetAddress, Integer> perIp;
  private HashMap<Long, Integer> perPrefix;

  /** Contacts of one IP a lookup queries at most (loopback exempt). */
  static final int MAX_CONTACTS_PER_IP = 2;

  /**
   * Return whether the lookup may use {@code c}, named in an answer: at most {@link
   * #MAX_CONTACTS_PER_IP} distinct contacts per IP address, so that answers naming one victim's
   * address many times (poisoned contacts) make us send it at most that many requests per lookup;
   * and at most {@code maxPerPrefix} per address prefix (IPv4 /24, IPv6 /64; 0: no limit), as a
   * bucket holds ({@link DhtConfig#maxPerPrefixPerBucket()}), so that Sybils from one prefix, with
   * ids closer to the target than any honest node, cannot crowd the honest nodes out of the
   * lookup's closest set.
   */
  boolean admitAddress(Contact c, int maxPerPrefix) {
    if (c.address().getAddress().isLoopbackAddress()) return true;
    if (accepted == null) {
      accepted = new java.util.HashSet<>();
      perIp = new HashMap<>();
      perPrefix = new HashMap<>();
    }
    if (accepted.contains(c.id())) return true;
    int n = perIp.getOrDefault(c.address().getAddress(), 0);
    if (n >= MAX_CONTACTS_PER_IP) return false;
    long prefix = AddressTables.prefixHash(c.address());
    int m = perPrefix.getOrDefault(prefix, 0);
    if (maxPerPrefix > 0 && m >= maxPerPrefix) return false;
    perIp.put(c.address().getAddress(), n + 1);
    perPrefix.put(prefix, m + 1);
    accepted.add(c.id());
    return true;
  }

  // BOOTSTRAP: seed pings not yet answered or timed out.
  int seedPingsInFlight;
  int seedPingAttempts; // pings per seed: 3, or 1 for seeds nobody vouches for

  Query(long id, Kind kind, NodeId target, boolean maintenance, long startedAt) {
    this.id = id;
    this.kind = kind;
    this.target = target;
    this.maintenance = maintenance;
    this.startedAt = startedAt;
  }

  /** Return the request of this query's lookup: GET_VALUE for a GET, FIND_NODE otherwise. */
  Packet.Builder lookupRequest() {
    ByteString key = ByteString.copyFrom(target.toBytes());
    return kind == Kind.GET
        ? Packet.newBuilder().setGetValue(GetValue.newBuilder().setKey(key))
        : Packet.newBuilder().setFindNode(FindNode.newBuilder().setTarget(key));
  }

  /**
   * GET: record that {@code peer}, {@code depth} hops away on lookup path {@code path}, returned
   * {@code v}. Keep it as the best if it is for our key, newer than the best so far and passes
   * {@code validator}; remember what the peer returned (anything but the best leaves the peer to
   * read repair) and, if it is the best, count its path and address prefix among the best's
   * holders (a newer best starts the count again). Any answer that is not the best (another key,
   * older, failing the checks, or superseding the best so far) marks the GET disputed.
   */
  void offerValue(Contact peer, int path, StoredValue v, int depth, ValueValidator validator, long wallNow) {
    if (!DhtValues.keyOf(v).map(target::equals).orElse(false)) {
      disputed = true;
      return;
    }
    returned.put(peer.id(), v); // anything but the best: the peer will be repaired
    boolean better = best == null || DhtValues.supersedes(v, best);
    if ((!better && !v.equals(best)) || (better && !validator.check(target, v, wallNow).ok())) {
      disputed = true;
      return;
    }
    if (better) {
      disputed |= best != null;
      best = v;
      bestDepth = depth;
      agreeingPerPath = new int[Integer.SIZE];
      agreeingPrefixes = new java.util.HashSet<>();
      farthestAgreeing = null;
    }
    if (path >= 0 && path < Integer.SIZE) agreeingPerPath[path]++;
    if (farthestAgreeing == null || target.compareDistance(peer.id(), farthestAgreeing) > 0) farthestAgreeing = peer.id();
    agreeingPrefixes.add(AddressTables.prefixHash(peer.address()));
  }

  /**
   * GET: return whether the best value is mutable, no answer disputed it, it was returned by at
   * least {@code quorum * paths} holders in as many distinct address prefixes, and each of the
   * lookup's {@code paths} disjoint paths is settled ({@link DhtConfig#getQuorum()}); false when
   * {@code quorum} is 0. A path is settled when {@code quorum} holders on it returned the best
   * value, or when it has finished, or when it has converged ({@link ClosestLookup#converged}):
   * its {@code quorum} closest live candidates have all answered, each with the best value or,
   * farther from the target than every holder of it, with none (the path reached the replica set
   * only from outside, its holders having been learned first on other paths). Without a lookup
   * (before it starts) only the first rule applies.
   */
  boolean mutableAgreed(int quorum, int paths) {
    return mayEndEarly(quorum) && agreeingPrefixes.size() >= quorum * paths && allSettled(quorum, paths);
  }

  /**
   * GET: return whether path {@code p} of {@code paths} needs no more requests for now: it is
   * settled (see {@link #mutableAgreed}) while another path is not, so the GET may still end
   * early. Once every path is settled without the GET ending (too few prefixes), or the best value
   * changes, or an answer disputes it, every path runs on, so the lookup always finishes.
   */
  boolean pauses(int p, int quorum, int paths) {
    return mayEndEarly(quorum) && settled(p, quorum) && !allSettled(quorum, paths);
  }

  /**
   * GET: return whether a stalled path should stay at alpha requests in flight instead of asking
   * its k closest at once ({@link ClosestLookup#next(long, java.util.function.IntPredicate,
   * boolean)}): while the GET may end on agreement (it holds a mutable best value, {@code quorum}
   * > 0, no answer disputed it) and not every path is settled yet, since a path then settles on
   * its {@code quorum} closest (at most alpha), which are asked first anyway; a burst to the k
   * closest would be mostly in flight when the GET ends. Before any value, once disputed, or with
   * every path settled, the GET is running toward its whole lookup, where the burst pays (and
   * asks the closest known before answers can push them out of the k closest).
   */
  boolean narrow(int quorum, int paths) {
    return mayEndEarly(quorum) && !allSettled(quorum, paths);
  }

  private boolean mayEndEarly(int quorum) {
    return quorum > 0 && best != null && !best.hasImmutable() && !disputed;
  }

  private boolean allSettled(int quorum, int paths) {
    for (int p = 0; p < paths; p++) {
      if (!settled(p, quorum)) return false;
    }
    return true;
  }

  private boolean settled(int p, int quorum) {
    return (p < Integer.SIZE && agreeingPerPath[p] >= quorum)
        || (lookup != null && (lookup.pathFinished(p) || lookup.converged(p, quorum, this::agreesOrOutside)));
  }

  // A converged path's candidate is consistent with the best value: it returned it, or it returned
  // none and is farther from the target than every holder of it.
  private boolean agreesOrOutside(NodeId id) {
    StoredValue v = returned.get(id);
    return v == null ? target.compareDistance(id, farthestAgreeing) > 0 : v.equals(best);
  }

  /** Return the statistics of this query finishing at {@code now} with {@code hops}. */
  QueryStats stats(int hops, long now) {
    return new QueryStats(hops, sent, responses, timeouts, startedAt, now);
  }
}
