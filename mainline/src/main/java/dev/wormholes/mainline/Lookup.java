package dev.wormholes.mainline;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One iterative lookup towards a 160-bit target (BEP 5's find_node / get_peers, BEP 44's get) as a
 * state machine: {@link #next} names the next node to query, {@link #onSuccess} and {@link
 * #onFailure} report answers, {@link #done} says when it ends. Bounded: at most {@code
 * maxCandidates} known nodes (the farthest forgotten), {@code maxQueries} queries, and a deadline.
 * The engine sends the queries and collects what answers carry.
 */
final class Lookup {
  /** What the lookup is for. */
  enum Kind {
    /** find_node of our own id: fill the routing table. */
    BOOTSTRAP,
    /** get_peers of an info-hash, then announce_peer if a port is given. */
    GET_PEERS,
    /** BEP 44 get of a mutable item, then put if an item is given. */
    GET
  }

  enum State { NEW, WAITING, ANSWERED, FAILED }

  static final class Candidate {
    final byte[] id; // null for a router, whose id we do not know
    final InetSocketAddress address;
    State state = State.NEW;
    byte[] token;

    Candidate(byte[] id, InetSocketAddress address) {
      this.id = id;
      this.address = address;
    }
  }

  final long id;
  final Kind kind;
  final byte[] target;
  final long deadline;
  // What a GET_PEERS announces (port, or 0) and a GET stores (item, or null) when it ends.
  final int announcePort;
  final MutableItem toPut;
  final byte[] expectedKey;
  final byte[] salt;
  private final int k;
  private final int alpha;
  private final int maxCandidates;
  private final int maxQueries;
  private final List<Candidate> candidates = new ArrayList<>();
  private final List<Candidate> routers = new ArrayList<>();
  private int queries;
  private int waiting;
  // Results, bounded by maxPeers.
  final Set<InetSocketAddress> peers = new LinkedHashSet<>();
  private final int maxPeers;
  MutableItem best;

  Lookup(long id, Kind kind, byte[] target, long deadline, int announcePort, MutableItem toPut,
      byte[] expectedKey, byte[] salt, MainlineConfig c) {
    this.id = id;
    this.kind = kind;
    this.target = target.clone();
    this.deadline = deadline;
    this.announcePort = announcePort;
    this.toPut = toPut;
    this.expectedKey = expectedKey;
    this.salt = salt;
    this.k = c.k();
    this.alpha = c.alpha();
    this.maxCandidates = 4 * c.k();
    this.maxQueries = c.maxQueriesPerLookup();
    this.maxPeers = c.maxPeersPerLookup();
  }

  /** Add a node to ask, unless known, or farther than every kept candidate when the list is full. */
  void offer(byte[] nodeId, InetSocketAddress address) {
    for (Candidate c : candidates) {
      if (c.address.equals(address) || Arrays.equals(c.id, nodeId)) {
        return;
      }
    }
    Candidate n = new Candidate(nodeId.clone(), address);
    int i = 0;
    while (i < candidates.size() && MainlineIds.compareDistance(target, candidates.get(i).id, nodeId) <= 0) {
      i++;
    }
    if (i >= maxCandidates) {
      return;
    }
    candidates.add(i, n);
    if (candidates.size() > maxCandidates) {
      Candidate dropped = candidates.remove(candidates.size() - 1);
      if (dropped.state == State.WAITING) {
        waiting--; // its answer, if any, is still credited to the table but no longer to us
      }
    }
  }

  /** Add a router (id unknown): asked first, never counted among the closest. */
  void offerRouter(InetSocketAddress address) {
    routers.add(new Candidate(null, address));
  }

  /** Return the next node to query now, marking it in flight, or null if none may be asked now. */
  Candidate next(long now) {
    if (done(now) || waiting >= alpha || queries >= maxQueries) {
      return null;
    }
    for (Candidate r : routers) {
      if (r.state == State.NEW) {
        return send(r);
      }
    }
    int answered = 0;
    for (Candidate c : candidates) {
      if (answered >= k) {
        return null;
      }
      if (c.state == State.NEW) {
        return send(c);
      }
      if (c.state == State.ANSWERED) {
        answered++;
      }
    }
    return null;
  }

  private Candidate send(Candidate c) {
    c.state = State.WAITING;
    waiting++;
    queries++;
    return c;
  }

  /** Record an answer of {@code c}. */
  void onSuccess(Candidate c, byte[] token) {
    if (c.state == State.WAITING && stillTracked(c)) {
      waiting--;
    }
    c.state = State.ANSWERED;
    c.token = token;
  }

  /** Record that {@code c} did not answer (timeout, error, bad answer). */
  void onFailure(Candidate c) {
    if (c.state == State.WAITING && stillTracked(c)) {
      waiting--;
    }
    c.state = State.FAILED;
  }

  private boolean stillTracked(Candidate c) {
    return routers.contains(c) || candidates.contains(c);
  }

  /** Record a peer a get_peers answer carried (kept up to the bound). */
  void addPeer(InetSocketAddress peer) {
    if (peers.size() < maxPeers) {
      peers.add(peer);
    }
  }

  /** Return whether the lookup has ended: deadline, query budget spent, or the k closest all settled. */
  boolean done(long now) {
    if (now >= deadline) {
      return true;
    }
    if (waiting > 0) {
      return false;
    }
    if (queries >= maxQueries) {
      return true;
    }
    for (Candidate r : routers) {
      if (r.state == State.NEW) {
        return false;
      }
    }
    int answered = 0;
    for (Candidate c : candidates) {
      if (answered >= k) {
        return true;
      }
      if (c.state == State.NEW) {
        return false;
      }
      if (c.state == State.ANSWERED) {
        answered++;
      }
    }
    return true;
  }

  /** Return the up to k closest nodes that answered with a token: where to announce or put. */
  List<Candidate> storeTargets() {
    List<Candidate> out = new ArrayList<>();
    for (Candidate c : candidates) {
      if (out.size() >= k) {
        break;
      }
      if (c.state == State.ANSWERED && c.token != null) {
        out.add(c);
      }
    }
    return out;
  }

  int queries() {
    return queries;
  }
}
