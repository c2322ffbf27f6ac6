package dev.wormholes.nat.punch;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The state of one punching session inside {@link HolePunch}; not shared, not thread-safe. */
final class PunchSession {
  /** Most probe targets (candidates plus peer-reflexive addresses) per session. */
  static final int MAX_TARGETS = 16;
  /**
   * Regular probes per target (3 s at the default 50 ms): a peer's candidate list must not turn
   * us into a packet cannon aimed at addresses it names.
   */
  static final int MAX_PROBES_PER_TARGET = 60;

  enum Role { INITIATOR, RESPONDER }

  enum State { CONNECTING, WAITING, PROBING, ESTABLISHED, FAILED }

  /** A session's timers. */
  enum Timer {
    /** Resend Connect: no Accept yet. */
    CONNECT_RETRY,
    /** Start probing (half an RTT after Sync for the initiator; a fallback for the responder). */
    START,
    /** Next probe round to the candidates. */
    PROBE,
    /** Next birthday round (hard side) or random-port batch (easy side). */
    BIRTHDAY,
    /** Give up. */
    DEADLINE,
    /** Forget the finished session. */
    LINGER
  }

  /** A probe destination on a local socket; kind is null for peer-reflexive addresses. */
  record Target(int socket, InetSocketAddress to, Candidate.Kind kind) {
    String key() {
      return socket + "|" + to;
    }
  }

  final long id;
  final Role role;
  final NodeId peer;
  final long myNonce;
  final long createdAt;
  final NatHint ownHint;
  final EnumMap<Timer, Long> timers = new EnumMap<>(Timer.class);
  final List<Target> targets = new ArrayList<>();
  // First send time per socket|address, for RTT; bounded by the probe budget of the session.
  final Map<String, Long> firstSent = new HashMap<>();
  final BitSet triedPorts = new BitSet(65536);
  final Map<String, Integer> probesPerTarget = new HashMap<>();
  // Where the rendezvous saw the peer come from: the only address birthday probing aims at,
  // because the peer cannot choose it.
  InetSocketAddress rendezvousObserved;
  // Whether the peer's address is proven: for the initiator, by the target's signed Accept (it
  // chose the target); for the responder, by a Sync echoing the Accept's cookie (the initiator
  // received the Accept at its registered address). Until then the probes of this session are
  // bounded by the blind allowance that the Connect paid for, and there is no birthday probing;
  // acks answer valid probes one for one (same size).
  boolean validated;
  /** Whether a probe of the peer arrived on a birthday socket yet ({@link PunchEvent.PeerReached} sent). */
  boolean peerReached;
  long cookie;
  int blindAllowance;
  int withheld;
  State state = State.CONNECTING;
  byte[] peerKey;
  NatHint peerHint = NatHint.UNKNOWN;
  byte[] connect;
  byte[] accept;
  byte[] sync;
  byte[] probe;
  byte[] ack;
  byte[] verifiedProbe;
  long connectSentAt;
  // Connect retries so far; whether this session already re-registered a registration believed good.
  int connectRetries;
  boolean reregistered;
  long probeStart;
  int probesSent;
  int birthdaySent;
  boolean birthdayHard;
  boolean birthdayEasy;

  PunchSession(long id, Role role, NodeId peer, long myNonce, long now, NatHint ownHint) {
    this.id = id;
    this.role = role;
    this.peer = peer;
    this.myNonce = myNonce;
    this.createdAt = now;
    this.ownHint = ownHint;
  }

  /**
   * Take the peer's key, hint and candidates. Keep only candidates consistent with where the
   * rendezvous saw the peer: on its observed IP, or LAN candidates when {@code sameLan} (the
   * rendezvous saw us both at one public IP); a peer cannot aim us at third parties.
   */
  void learnPeer(byte[] key, NatHint hint, List<Candidate> cs, InetSocketAddress observed, boolean sameLan) {
    peerKey = key.clone();
    peerHint = hint;
    // Loopback targets only when the rendezvous itself saw the peer on loopback: then all three
    // run on this host (tests, a local cluster); a remote peer can never produce that address.
    boolean onHost = observed != null && observed.getAddress().isLoopbackAddress();
    if (!usable(observed, onHost)) {
      return;
    }
    rendezvousObserved = observed;
    for (Candidate c : cs) {
      boolean consistent = c.endpoint().getAddress().equals(observed.getAddress())
          || sameLan && c.kind() == Candidate.Kind.LAN;
      if (consistent && usable(c.endpoint(), onHost)) {
        addTarget(new Target(0, c.endpoint(), c.kind()));
      }
    }
    addTarget(new Target(0, observed, Candidate.Kind.OBSERVED));
  }

  /**
   * Return whether a peer-supplied address is a unicast host address we may probe; loopback
   * addresses only if {@code loopbackOk}.
   */
  static boolean usable(InetSocketAddress a, boolean loopbackOk) {
    if (a == null || a.isUnresolved()) {
      return false;
    }
    java.net.InetAddress ip = a.getAddress();
    byte[] b = ip.getAddress();
    boolean broadcast = b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xFF;
    return a.getPort() != 0 && !ip.isAnyLocalAddress() && !ip.isMulticastAddress()
        && (loopbackOk || !ip.isLoopbackAddress()) && !broadcast;
  }

  /** Count a regular probe to {@code t}; return false once its budget is spent. */
  boolean spendProbe(Target t) {
    return probesPerTarget.merge(t.key(), 1, Integer::sum) <= MAX_PROBES_PER_TARGET;
  }

  private boolean addTarget(Target t) {
    for (int i = 0; i < targets.size(); i++) {
      Target x = targets.get(i);
      if (x.socket() == t.socket() && x.to().equals(t.to())) {
        if (t.kind() != null && (x.kind() == null || t.kind().ordinal() > x.kind().ordinal())) {
          targets.set(i, t); // one address under several kinds: keep the most public kind
        }
        return false;
      }
    }
    if (targets.size() >= MAX_TARGETS) {
      return false;
    }
    targets.add(t);
    return true;
  }

  /**
   * Return whether this session may send a probe of {@code bytes} now, spending the budget:
   * always once validated; before, only out of the blind allowance (what the peer's Connect paid
   * for beyond our Accept), never more.
   */
  boolean spendBudget(int bytes) {
    if (validated) {
      return true;
    }
    if (blindAllowance >= bytes) {
      blindAllowance -= bytes;
      return true;
    }
    withheld++;
    return false;
  }

  /**
   * Add an address a valid probe came from, if it is on an IP we already probe (the peer's NAT
   * gave it another port): a probe is replayable, so its source alone proves nothing. Return
   * whether it is new.
   */
  boolean addReflexive(int socket, InetSocketAddress from) {
    boolean knownIp = targets.stream().anyMatch(t -> t.kind() != null && t.to().getAddress().equals(from.getAddress()));
    return knownIp && addTarget(new Target(socket, from, null));
  }

  /** Return what birthday probes aim at: the peer's address as the rendezvous saw it. */
  List<InetSocketAddress> publicTargets() {
    return rendezvousObserved == null ? List.of() : List.of(rendezvousObserved);
  }

  /** Return the kinds of the peer's candidates. */
  java.util.Set<Candidate.Kind> candidateKinds() {
    java.util.Set<Candidate.Kind> out = java.util.EnumSet.noneOf(Candidate.Kind.class);
    for (Target t : targets) {
      if (t.kind() != null) {
        out.add(t.kind());
      }
    }
    return out;
  }

  /** Return the kind of the peer candidate at {@code to}, or null if it is none of them. */
  Candidate.Kind candidateKind(InetSocketAddress to) {
    for (Target t : targets) {
      if (t.kind() != null && t.to().equals(to)) {
        return t.kind();
      }
    }
    return null;
  }

  List<Timer> due(long now) {
    List<Timer> out = new ArrayList<>();
    for (Map.Entry<Timer, Long> e : timers.entrySet()) {
      if (now >= e.getValue()) {
        out.add(e.getKey());
      }
    }
    out.forEach(timers::remove);
    return out;
  }

  long nextDeadline() {
    long min = Long.MAX_VALUE;
    for (long t : timers.values()) {
      min = Math.min(min, t);
    }
    return min;
  }
}
