package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * An iterative Kademlia lookup of the k nodes closest to a target, as an iterator-like state
 * machine in the manner of rust-libp2p's {@code ClosestPeersIter}: the engine asks {@link
 * #next(long)} whom to query, sends the request, and reports back with {@link #onSuccess} or
 * {@link #onFailure} (a timeout is a failure). It never touches the network or the clock.
 *
 * <p>S/Kademlia disjoint paths (Baumgart and Mies 2007): with d paths the initial contacts are
 * dealt round-robin to d independent lookups, and a contact learned on one path is never queried
 * by another, so that an adversary on one path cannot steer the others. Each path keeps up to
 * alpha requests in flight and finishes when the k closest contacts it knows that have not failed
 * have all answered. The lookup finishes when every path has.
 *
 * <p>Parallelism where it pays (Kademlia section 2.3, rust-libp2p's stalled state): while answers
 * bring contacts closer than the closest a path knew, the path keeps alpha requests in flight;
 * once an answer brings none (the path has stalled near the target) it asks all of its k closest
 * not yet asked at once, and returns to alpha as soon as an answer makes progress again. That
 * burst serves the end condition on the k closest; a caller whose end condition needs only the
 * alpha closest or fewer (a mutable GET holding a value it may end on, {@link Query#narrow}) keeps a
 * stalled path at alpha, since the closest not yet asked are asked first anyway.
 *
 * <p>Cut answers ({@link #onPartial}): an answer cut for anti-amplification still carries the
 * closest contacts its sender knows, and they join the path at once; the peer is asked again for
 * the rest. A peer in that state counts as answered for progress and results, not against alpha.
 * With {@code awaitRest} (GET: the cut may have dropped a value; PUT: the store targets) its path
 * does not finish until the second answer or its failure; without it (FIND_NODE) the lookup may
 * finish first, since the cut kept the sender's closest contacts.
 *
 * <p>Memory: allocated per lookup and released with it.
 */
final class ClosestLookup {
  /** State of one candidate. */
  enum State {
    NOT_CONTACTED,
    WAITING,
    /** Answered with a cut list and asked again for the rest. */
    PARTIAL,
    SUCCEEDED,
    FAILED
  }

  /** One candidate: the contact, the path that owns it and how it was learned. */
  static final class Peer {
    final Contact contact;
    final int path;
    /** 1 for a contact from our routing table, n+1 for one learned from a hop-n peer. */
    final int depth;
    State state = State.NOT_CONTACTED;

    Peer(Contact contact, int path, int depth) {
      this.contact = contact;
      this.path = path;
      this.depth = depth;
    }
  }

  private final NodeId target;
  private final NodeId self;
  private final int k;
  private final int alpha;
  private final int maxCandidates;
  private final boolean awaitRest;
  // Each list is kept sorted by distance to target, closest first.
  private final List<List<Peer>> paths;
  // Membership and lookup only, never iterated (iteration order would leak into behaviour).
  private final HashMap<NodeId, Peer> seen = new HashMap<>();
  // Per path: whether its last answer brought nothing closer (then it asks its k closest at once).
  private final boolean[] stalled;
  private int nextPath;

  /**
   * Start a lookup of {@code target} from {@code seeds} (typically the k closest in our table).
   * {@code self} is never queried. {@code awaitRest}: whether a path waits for the second answer
   * of a peer whose first was cut (see the class doc).
   */
  ClosestLookup(NodeId target, NodeId self, List<Contact> seeds, int k, int alpha, int disjointPaths,
      boolean awaitRest) {
    this.awaitRest = awaitRest;
    this.target = target;
    this.self = self;
    this.k = k;
    this.alpha = alpha;
    this.maxCandidates = 4 * k;
    this.paths = new ArrayList<>(disjointPaths);
    this.stalled = new boolean[disjointPaths];
    for (int i = 0; i < disjointPaths; i++) paths.add(new ArrayList<>());
    List<Contact> sorted = new ArrayList<>(seeds);
    sorted.sort((a, b) -> target.compareDistance(a.id(), b.id()));
    int p = 0;
    for (Contact c : sorted) {
      if (c.id().equals(self) || seen.containsKey(c.id())) continue;
      Peer peer = new Peer(c, p, 1);
      seen.put(c.id(), peer);
      paths.get(p).add(peer);
      p = (p + 1) % disjointPaths;
    }
  }

  /** Return the target. */
  NodeId target() {
    return target;
  }

  /**
   * Return the next contact to query, marking it waiting, or null if none may be queried now
   * (every path is at its alpha limit, waiting for answers, or finished). Paths take turns.
   */
  Contact next(long now) {
    return next(now, p -> false, true);
  }

  /**
   * Like {@link #next(long)}, but the paths {@code paused} accepts send nothing now, and a stalled
   * path asks its k closest at once only if {@code wide}; otherwise it stays at alpha in flight.
   */
  Contact next(long now, IntPredicate paused, boolean wide) {
    for (int n = 0; n < paths.size(); n++) {
      int p = (nextPath + n) % paths.size();
      if (paused.test(p)) continue;
      Peer peer = sendable(paths.get(p), stalled[p] && wide ? k : alpha);
      if (peer != null) {
        peer.state = State.WAITING;
        nextPath = (p + 1) % paths.size();
        return peer.contact;
      }
    }
    return null;
  }

  private Peer sendable(List<Peer> path, int parallelism) {
    int waiting = 0;
    for (Peer peer : path) {
      if (peer.state == State.WAITING) waiting++;
    }
    if (waiting >= parallelism) return null;
    int live = 0;
    for (Peer peer : path) {
      if (peer.state == State.FAILED) continue;
      if (peer.state == State.NOT_CONTACTED) return peer;
      if (++live >= k) return null;
    }
    return null;
  }

  private boolean pathFinished(List<Peer> path) {
    int live = 0;
    for (Peer peer : path) {
      if (peer.state == State.WAITING || (peer.state == State.PARTIAL && awaitRest)) return false;
    }
    for (Peer peer : path) {
      if (peer.state == State.FAILED) continue;
      if (peer.state == State.NOT_CONTACTED) return false;
      if (++live >= k) return true;
    }
    return true;
  }

  /** Return whether every path has finished: nothing in flight and nothing closer to ask. */
  boolean isFinished() {
    for (List<Peer> path : paths) {
      if (!pathFinished(path)) return false;
    }
    return true;
  }

  /** Return whether path {@code p} has finished (see {@link #isFinished()}). */
  boolean pathFinished(int p) {
    return pathFinished(paths.get(p));
  }

  /**
   * Return whether path {@code p} has converged on its {@code q} closest: the q closest candidates
   * it knows that have not failed have all answered (so none closer is still to be asked or in
   * flight) and {@code accepts} each of them; false if the path knows fewer than q live ones.
   */
  boolean converged(int p, int q, Predicate<NodeId> accepts) {
    int n = 0;
    for (Peer peer : paths.get(p)) {
      if (n >= q) break;
      if (peer.state == State.FAILED) continue;
      if (peer.state != State.SUCCEEDED || !accepts.test(peer.contact.id())) return false;
      n++;
    }
    return n >= q;
  }

  /**
   * Record that {@code peer} answered with {@code closer} (the contacts it knows closest to the
   * target). New contacts join the answering peer's path; ones seen on any path are ignored. A
   * peer in {@link State#PARTIAL} (asked again after a cut answer) completes with this answer.
   */
  void onSuccess(Contact peer, List<Contact> closer) {
    Peer p = seen.get(peer.id());
    if (p == null || (p.state != State.WAITING && p.state != State.PARTIAL)) return;
    p.state = State.SUCCEEDED;
    learn(p, closer);
  }

  /**
   * Record that {@code peer} answered with a cut list {@code closer} and is being asked again: its
   * contacts join its path now, and the peer is {@link State#PARTIAL} until {@link #onSuccess} or
   * {@link #onFailure} reports the second answer.
   */
  void onPartial(Contact peer, List<Contact> closer) {
    Peer p = seen.get(peer.id());
    if (p == null || p.state != State.WAITING) return;
    p.state = State.PARTIAL;
    learn(p, closer);
  }

  private void learn(Peer p, List<Contact> closer) {
    List<Peer> path = paths.get(p.path);
    Peer closestBefore = closestLive(path);
    for (Contact c : closer) {
      if (c.id().equals(self) || seen.containsKey(c.id())) continue;
      Peer np = new Peer(c, p.path, p.depth + 1);
      seen.put(c.id(), np);
      insertSorted(path, np);
    }
    trim(path);
    stalled[p.path] = closestLive(path) == closestBefore;
  }

  private static Peer closestLive(List<Peer> path) {
    for (Peer peer : path) {
      if (peer.state != State.FAILED) return peer;
    }
    return null;
  }

  /**
   * Record that {@code peer} failed (timeout, error or wrong identity). A peer whose cut answer
   * arrived ({@link State#PARTIAL}) keeps it: it answered once.
   */
  void onFailure(Contact peer) {
    Peer p = seen.get(peer.id());
    if (p == null) return;
    if (p.state == State.WAITING) p.state = State.FAILED;
    else if (p.state == State.PARTIAL) p.state = State.SUCCEEDED;
  }

  /** Return the number of disjoint paths d. */
  int pathCount() {
    return paths.size();
  }

  /** Return the path that owns {@code id}, or -1 if the lookup never saw it. */
  int pathOf(NodeId id) {
    Peer p = seen.get(id);
    return p == null ? -1 : p.path;
  }

  /** Return the depth (hop) at which {@code id} was learned, 0 if unknown. */
  int depth(NodeId id) {
    Peer p = seen.get(id);
    return p == null ? 0 : p.depth;
  }

  /** Return up to k contacts that answered, closest first, merged over all paths. */
  List<Contact> result() {
    List<Peer> ok = new ArrayList<>();
    for (List<Peer> path : paths) {
      for (Peer peer : path) {
        if (answered(peer)) ok.add(peer);
      }
    }
    ok.sort((a, b) -> target.compareDistance(a.contact.id(), b.contact.id()));
    List<Contact> out = new ArrayList<>(Math.min(k, ok.size()));
    for (int i = 0; i < ok.size() && i < k; i++) out.add(ok.get(i).contact);
    return out;
  }

  /** Return the depth of the closest peer that answered, 0 if none did. */
  int hops() {
    Peer best = null;
    for (List<Peer> path : paths) {
      for (Peer peer : path) {
        if (answered(peer)
            && (best == null || target.compareDistance(peer.contact.id(), best.contact.id()) < 0)) {
          best = peer;
        }
      }
    }
    return best == null ? 0 : best.depth;
  }

  private static boolean answered(Peer peer) {
    return peer.state == State.SUCCEEDED || peer.state == State.PARTIAL;
  }

  private void insertSorted(List<Peer> path, Peer np) {
    int lo = 0;
    int hi = path.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (target.compareDistance(path.get(mid).contact.id(), np.contact.id()) < 0) lo = mid + 1;
      else hi = mid;
    }
    path.add(lo, np);
  }

  // Drop the farthest never-contacted candidates beyond the cap; they could never be among the k
  // closest once maxCandidates closer ones are known.
  private void trim(List<Peer> path) {
    for (int i = path.size() - 1; i >= 0 && path.size() > maxCandidates; i--) {
      if (path.get(i).state == State.NOT_CONTACTED) path.remove(i);
    }
  }
}
