package dev.wormholes.nat.punch;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.WallClock;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * Hole punching for one node, sans-I/O, coordinated through a {@link Rendezvous} both ends can
 * reach (libp2p DCUtR's shape, with HyperDHT's birthday sockets for endpoint-dependent NATs).
 *
 * <ol>
 *   <li>{@link #start}: register with the rendezvous and keep that NAT binding alive; an
 *       unanswered Register is sent again (fresh sequence number) after {@link
 *       Config#connectRetryMs}, doubling, and with a Connect (retry) while it is unanswered.
 *   <li>{@link #connect}: send a signed Connect (our candidates and NAT axes) through the
 *       rendezvous; the target answers with a signed Accept. The initiator measures that round
 *       trip, sends Sync (again when it starts probing) and starts probing half an RTT later; the
 *       target starts on Sync, so both sides' first probes cross their NATs at about the same
 *       time. The Sync echoes a cookie of the Accept: it proves to the target that the initiator
 *       got the Accept at the address the rendezvous saw, which the target probes from then on.
 *   <li>Probing: every {@link Config#probeIntervalMs} a signed Probe to every candidate (and to
 *       every address a valid probe came from). If exactly one side has an endpoint-dependent
 *       mapping and the other filters by port, the hard side sends one probe from each of {@link
 *       Config#birthdaySockets} extra sockets and the easy side probes random ports of the hard
 *       side's IP, at most {@link Config#birthdayProbes} of them.
 *   <li>Budgets (no amplification): candidates are probed only on the IP the rendezvous saw the
 *       peer at (LAN candidates only when it saw both ends at one IP), a probe's source becomes a
 *       target only on such an IP, responder sessions are bounded in all, per initiator and per
 *       initiator IP, and shared fairly per initiator network when they run out; until the target
 *       has the Sync's cookie its probes come out of what the Connect (padded to {@link PunchCodec#MIN_CONNECT}) paid beyond the Accept, and no birthday
 *       probing starts.
 *   <li>A path is accepted only on a ProbeAck that the peer's key signed over our nonce; it is
 *       reported as {@link PunchEvent.PathEstablished}. The deadline gives {@link
 *       PunchEvent.PunchFailed}: the caller relays instead.
 * </ol>
 *
 * <p>Polling: after every input drain {@link #pollTransmit()}, then {@link #pollEvent()}, then
 * read {@link #pollTimeout()}. Bad input (malformed datagrams, bad signatures, signalling not from
 * the rendezvous, unknown sessions) is dropped and counted in {@link #counters()}.
 */
public final class HolePunch {

  /** How a path came about. */
  public enum PathKind {
    /** The peer's LAN address answered: same network. */
    LAN,
    /** The peer has no NAT: its observed address answered. */
    DIRECT,
    /** The peer's port-mapped address (PCP, NAT-PMP, UPnP) answered. */
    MAPPED,
    /** Simultaneous probing opened both NATs. */
    PUNCHED,
    /** Punched with the birthday technique against an endpoint-dependent mapping. */
    BIRTHDAY
  }

  /** Why a session failed. */
  public enum FailReason {
    /** The rendezvous never answered, or no Accept came. */
    NO_ANSWER,
    /** The rendezvous does not know the target. */
    TARGET_UNREACHABLE,
    /** Probing ran out of time: the NATs do not let a direct path open. */
    TIMEOUT,
    /** Too many sessions at once. */
    BUSY
  }

  /**
   * Tunables.
   *
   * @param connectRetryMs resend Connect after this long without Accept
   * @param probeIntervalMs time between probe rounds to the candidates
   * @param punchTimeoutMs a session's whole budget, from connect to failure
   * @param birthdaySockets extra sockets the hard side opens
   * @param birthdayProbes random-port probes the easy side may send
   * @param birthdayBatch random-port probes per batch
   * @param birthdayBatchIntervalMs time between batches
   * @param hardRefreshMs time between the hard side's rounds over its extra sockets
   * @param registerIntervalMs registration keepalive (below the mapping lifetime)
   * @param maxSessions sessions at once
   * @param lingerMs how long a finished session keeps answering probes
   */
  public record Config(long connectRetryMs, long probeIntervalMs, long punchTimeoutMs,
      int birthdaySockets, int birthdayProbes, int birthdayBatch, long birthdayBatchIntervalMs,
      long hardRefreshMs, long registerIntervalMs, int maxSessions, long lingerMs) {
    /** Return the defaults: 256 sockets, 1 024 probes, 6 s budget, 10 s keepalive. */
    public static Config defaults() {
      return new Config(300, 50, 6000, 256, 1024, 32, 25, 2000, 10_000, 16, 5000);
    }

    /** Return this config with another keepalive interval (from the measured mapping lifetime). */
    public Config withRegisterInterval(long ms) {
      return new Config(connectRetryMs, probeIntervalMs, punchTimeoutMs, birthdaySockets,
          birthdayProbes, birthdayBatch, birthdayBatchIntervalMs, hardRefreshMs, ms, maxSessions, lingerMs);
    }
  }

  /**
   * Counters of refused input.
   *
   * @param malformed datagrams that did not decode
   * @param badSignature probes, acks, Connects or Accepts with a wrong signature, Syncs with a
   *     wrong cookie
   * @param notFromRendezvous signalling not from our rendezvous
   * @param unknownSession probes, acks or Accepts for no session of ours
   * @param refusedConnects Connects refused: not for us, a session clash, or over the session
   *     bounds (in all, per initiator, per initiator IP)
   * @param withheldProbes probes not sent: the peer's address was not proven and the blind
   *     allowance was spent
   * @param evictedSessions responder sessions dropped to make room for an initiator on a network
   *     holding fewer of them
   */
  public record Counters(long malformed, long badSignature, long notFromRendezvous,
      long unknownSession, long refusedConnects, long withheldProbes, long evictedSessions) {}

  /** Responder sessions at once for one initiator (node id). */
  static final int MAX_SESSIONS_PER_INITIATOR = 2;
  /** Responder sessions at once for initiators at one IP (as the rendezvous saw them). */
  static final int MAX_SESSIONS_PER_INITIATOR_IP = 4;

  /** Connect retries after which a session registers again once even if registered. */
  static final int STALE_REGISTRATION_RETRIES = 3;

  private final Config config;
  private final Identity self;
  private final InetSocketAddress rendezvous;
  private final RandomGenerator random;
  private final WallClock wall;
  private final Map<Long, PunchSession> sessions = new LinkedHashMap<>();
  private final Queue<PunchTransmit> transmits = new ArrayDeque<>();
  private final Queue<PunchEvent> events = new ArrayDeque<>();
  // Local knowledge, replaced by the driver as it learns more.
  private List<Candidate> candidates = List.of();
  private NatHint hint = NatHint.UNKNOWN;
  private InetSocketAddress registeredAs;
  private long registerDue = Long.MAX_VALUE;
  private long lastSeq;
  // Registration state: started by the driver; whether a Registered came after our latest
  // Register; how many Registers in a row went unanswered (the retry backoff); when we sent it.
  private boolean started;
  private boolean registerAnswered;
  private int unansweredRegisters;
  private long lastRegisterAt;
  // Refusal counters.
  private long malformed;
  private long badSignature;
  private long notFromRendezvous;
  private long unknownSession;
  private long refusedConnects;
  private long withheldProbes;
  private long evictedSessions;

  /** Punch as {@code self}, through {@code rendezvous}; {@code wall} orders registrations. */
  public HolePunch(Config config, Identity self, InetSocketAddress rendezvous, RandomGenerator random, WallClock wall) {
    this.config = config;
    this.self = self;
    this.rendezvous = rendezvous;
    this.random = random;
    this.wall = wall;
  }

  /** Replace our candidates (at most {@link PunchCodec#MAX_CANDIDATES}) and NAT axes. */
  public void setLocal(List<Candidate> own, NatHint natHint) {
    this.candidates = List.copyOf(own.subList(0, Math.min(own.size(), PunchCodec.MAX_CANDIDATES)));
    this.hint = natHint;
  }

  /**
   * Register with the rendezvous now and every {@link Config#registerIntervalMs}. A Register that
   * the rendezvous does not answer (Registered) is sent again after {@link Config#connectRetryMs},
   * then twice as long each time, never later than the keepalive interval; every send carries a
   * fresh, higher sequence number, so the rendezvous' replay check refuses only stale copies.
   */
  public void start(long now) {
    started = true;
    register(now);
  }

  private void register(long now) {
    long seq = Math.max(wall.millis(), lastSeq + 1);
    lastSeq = seq;
    byte[] key = self.publicKey();
    byte[] sig = self.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(key, seq));
    send(0, rendezvous, new PunchMessage.Register(key, seq, sig));
    lastRegisterAt = now;
    registerAnswered = false;
    long retry = Math.max(1, config.connectRetryMs()) << Math.min(unansweredRegisters, 20);
    unansweredRegisters++;
    registerDue = now + Math.min(retry, config.registerIntervalMs());
  }

  /**
   * Register again now if the driver started registration, the latest Register is unanswered and
   * no Register went out in the last {@link Config#connectRetryMs} (however many sessions retry,
   * at most one Register per retry period): a session's signalling can only come back to a
   * registered node (the rendezvous refuses to forward an Accept to a node it does not know).
   */
  private void registerIfUnanswered(long now) {
    if (!registerAnswered && mayRegister(now)) {
      register(now);
    }
  }

  private boolean mayRegister(long now) {
    return started && now - lastRegisterAt >= Math.max(1, config.connectRetryMs());
  }

  private void onRegistered(PunchMessage.Registered r) {
    if (!registerAnswered) {
      registerAnswered = true;
      unansweredRegisters = 0;
      registerDue = lastRegisterAt + config.registerIntervalMs(); // back to the keepalive
    }
    if (!r.observed().equals(registeredAs)) {
      registeredAs = r.observed();
      events.add(new PunchEvent.Registered(r.observed()));
    }
  }

  /** Begin a session towards {@code target}; return its id. */
  public long connect(NodeId target, long now) {
    long id = random.nextLong();
    if (sessions.size() >= config.maxSessions()) {
      events.add(new PunchEvent.PunchFailed(id, target, FailReason.BUSY, 0));
      return id;
    }
    PunchSession s = newSession(id, PunchSession.Role.INITIATOR, target, now);
    s.connect = PunchCodec.encode(PunchCodec.connect(self, id, target, hint, candidates));
    registerIfUnanswered(now);
    sendConnect(s, now);
    return id;
  }

  private PunchSession newSession(long id, PunchSession.Role role, NodeId peer, long now) {
    PunchSession s = new PunchSession(id, role, peer, random.nextLong(), now, hint);
    s.probe = PunchCodec.encode(new PunchMessage.Probe(id, s.myNonce,
        self.sign(PunchCodec.PROBE_DOMAIN, PunchCodec.nonceSigned(id, s.myNonce))));
    s.timers.put(PunchSession.Timer.DEADLINE, now + config.punchTimeoutMs());
    sessions.put(id, s);
    return s;
  }

  /**
   * No Accept yet: the Connect, the forwarded Connect, the Accept or the forwarded Accept was
   * lost, or the rendezvous cannot route the Accept back to us because our registration is
   * missing (our Register was lost) or stale (evicted, or our NAT mapping changed). Register again
   * with the Connect when our latest Register is unanswered, and once per session from the
   * {@link #STALE_REGISTRATION_RETRIES}th retry on even if it was answered. Both go to the
   * rendezvous only, and at most one Register per {@link Config#connectRetryMs} in all.
   */
  private void retryConnect(PunchSession s, long now) {
    s.connectRetries++;
    if (!s.reregistered && s.connectRetries >= STALE_REGISTRATION_RETRIES && mayRegister(now)) {
      s.reregistered = true;
      register(now);
    } else {
      registerIfUnanswered(now);
    }
    sendConnect(s, now);
  }

  private void sendConnect(PunchSession s, long now) {
    s.connectSentAt = now;
    transmits.add(new PunchTransmit(0, rendezvous, s.connect));
    s.timers.put(PunchSession.Timer.CONNECT_RETRY, now + config.connectRetryMs());
  }

  /** Feed a datagram that arrived on local socket {@code socket} from {@code from}. */
  public void handleDatagram(int socket, InetSocketAddress from, byte[] bytes, long now) {
    Optional<PunchMessage> m = PunchCodec.decode(bytes);
    if (m.isEmpty()) {
      malformed++;
      return;
    }
    PunchMessage msg = m.get();
    if (msg instanceof PunchMessage.Probe p) {
      onProbe(socket, from, p, bytes, now);
    } else if (msg instanceof PunchMessage.ProbeAck a) {
      onAck(socket, from, a, now);
    } else if (!from.equals(rendezvous) || socket != 0) {
      notFromRendezvous++;
    } else if (msg instanceof PunchMessage.Registered r) {
      onRegistered(r);
    } else if (msg instanceof PunchMessage.Connect c) {
      onConnect(c, bytes.length, now);
    } else if (msg instanceof PunchMessage.Accept a) {
      onAccept(a, now);
    } else if (msg instanceof PunchMessage.Sync y) {
      onSync(y, now);
    } else if (msg instanceof PunchMessage.Refused r) {
      PunchSession s = sessions.get(r.session());
      if (s != null && s.state == PunchSession.State.CONNECTING) {
        fail(s, FailReason.TARGET_UNREACHABLE, now);
      }
    }
  }

  /**
   * A Sync with our Accept's cookie proves that the initiator received the Accept at the address
   * the rendezvous saw: from now on probe it freely (and birthday-probe it if the NATs need that).
   */
  private void onSync(PunchMessage.Sync y, long now) {
    PunchSession s = sessions.get(y.session());
    if (s == null || s.role != PunchSession.Role.RESPONDER) {
      unknownSession++;
      return;
    }
    if (y.cookie() != s.cookie) {
      badSignature++; // a forged Sync: the initiator's address stays unproven
      return;
    }
    if (s.state == PunchSession.State.WAITING) {
      s.validated = true;
      beginProbing(s, now);
    } else if (s.state == PunchSession.State.PROBING && !s.validated) {
      s.validated = true;
      startBirthday(s, now);
    } else {
      s.validated = true;
    }
  }

  private void onConnect(PunchMessage.Connect c, int size, long now) {
    if (c.observedByRendezvous() == null || !Arrays.equals(c.targetId(), self.id().toBytes())) {
      refusedConnects++;
      return;
    }
    if (!PunchCodec.verify(c)) {
      badSignature++; // a spoofed punch request
      return;
    }
    NodeId peer = Identity.idOf(c.initiatorKey());
    PunchSession s = sessions.get(c.session());
    if (s != null) {
      if (s.role == PunchSession.Role.RESPONDER && s.peer.equals(peer)) {
        transmits.add(new PunchTransmit(0, rendezvous, s.accept)); // our Accept was lost
      } else {
        refusedConnects++;
      }
      return;
    }
    if (overSessionBounds(peer, c.observedByRendezvous())
        || sessions.size() >= config.maxSessions() && !makeRoomFor(c.observedByRendezvous())) {
      refusedConnects++;
      return;
    }
    s = newSession(c.session(), PunchSession.Role.RESPONDER, peer, now);
    s.learnPeer(c.initiatorKey(), c.hint(), c.candidates(), c.observedByRendezvous(), sameLan(c.observedByRendezvous()));
    s.cookie = random.nextLong();
    s.accept = PunchCodec.encode(PunchCodec.accept(self, c.session(), peer, hint, candidates, s.cookie));
    // The Accept reaches the initiator's address too: what is left of the Connect pays for probes.
    s.blindAllowance = Math.max(0, size - s.accept.length);
    transmits.add(new PunchTransmit(0, rendezvous, s.accept));
    s.state = PunchSession.State.WAITING;
    // If Sync is lost, start anyway once the initiator must have started.
    s.timers.put(PunchSession.Timer.START, now + 4 * config.connectRetryMs());
  }

  private void onAccept(PunchMessage.Accept a, long now) {
    PunchSession s = sessions.get(a.session());
    if (s == null || s.role != PunchSession.Role.INITIATOR) {
      unknownSession++;
      return;
    }
    if (a.observedByRendezvous() == null || !Identity.idOf(a.responderKey()).equals(s.peer)
        || !PunchCodec.verify(a)) {
      badSignature++;
      return;
    }
    if (s.state != PunchSession.State.CONNECTING) {
      return; // a duplicate
    }
    s.learnPeer(a.responderKey(), a.hint(), a.candidates(), a.observedByRendezvous(), sameLan(a.observedByRendezvous()));
    s.validated = true; // we chose this target, and its signed Accept came from its registration
    long rtt = now - s.connectSentAt;
    s.sync = PunchCodec.encode(new PunchMessage.Sync(s.id, s.peer.toBytes(), a.cookie()));
    transmits.add(new PunchTransmit(0, rendezvous, s.sync));
    s.timers.remove(PunchSession.Timer.CONNECT_RETRY);
    s.state = PunchSession.State.WAITING;
    s.timers.put(PunchSession.Timer.START, now + rtt / 2);
  }

  private void beginProbing(PunchSession s, long now) {
    if (s.role == PunchSession.Role.INITIATOR) {
      // Once more: a lost Sync would leave the target unsure of our address until its fallback.
      transmits.add(new PunchTransmit(0, rendezvous, s.sync));
    }
    s.state = PunchSession.State.PROBING;
    s.timers.remove(PunchSession.Timer.START);
    s.probeStart = now;
    // A port-mapped endpoint accepts from anyone: the side that has one needs no birthday help.
    boolean selfMapped = candidates.stream().anyMatch(c -> c.kind() == Candidate.Kind.MAPPED);
    boolean peerMapped = s.candidateKinds().contains(Candidate.Kind.MAPPED);
    s.birthdayHard = hint.hard() && !s.peerHint.hard() && s.peerHint.filtersByPort() && !peerMapped;
    s.birthdayEasy = s.peerHint.hard() && !hint.hard() && hint.filtersByPort() && !selfMapped;
    probeRound(s, now);
    startBirthday(s, now);
  }

  /** Start the birthday rounds this session needs, once the peer's address is proven. */
  private void startBirthday(PunchSession s, long now) {
    if (!s.validated) {
      return;
    }
    if (s.birthdayHard) {
      hardRound(s, now);
    }
    if (s.birthdayEasy) {
      easyBatch(s, now);
    }
  }

  /** Return whether the rendezvous saw the peer at our public IP: then we share a LAN. */
  private boolean sameLan(InetSocketAddress peerObserved) {
    return registeredAs != null && peerObserved != null
        && registeredAs.getAddress().equals(peerObserved.getAddress());
  }

  /**
   * Return whether one more responder session for {@code peer}, seen at {@code observed}, would
   * exceed the bounds per initiator or per initiator IP.
   */
  private boolean overSessionBounds(NodeId peer, InetSocketAddress observed) {
    int samePeer = 0;
    int sameIp = 0;
    for (PunchSession x : sessions.values()) {
      if (x.role != PunchSession.Role.RESPONDER) {
        continue;
      }
      samePeer += x.peer.equals(peer) ? 1 : 0;
      sameIp += x.rendezvousObserved != null && x.rendezvousObserved.getAddress().equals(observed.getAddress()) ? 1 : 0;
    }
    return samePeer >= MAX_SESSIONS_PER_INITIATOR || sameIp >= MAX_SESSIONS_PER_INITIATOR_IP;
  }

  /**
   * All sessions are taken: make room for a responder session for an initiator seen at {@code
   * observed}, fairly per initiator network (IPv4 /24, IPv6 /48), so that initiators on a few
   * networks cannot hold every responder session of a target. Drop the oldest failed responder
   * session (it only answers late probes); else, if some network holds more responder sessions
   * than the newcomer's, drop one of that network's: the oldest not yet proven by a Sync, else the
   * oldest in progress, else the oldest established one (lingering); among networks that hold
   * equally many, the first session in that order goes. Initiator sessions are never dropped.
   * Return false if there is no room to take: then every network holds at most as many as the
   * newcomer's, so to crowd an honest initiator out an attacker needs more networks than {@link
   * Config#maxSessions} sessions.
   */
  private boolean makeRoomFor(InetSocketAddress observed) {
    String newcomer = Rendezvous.networkKey(observed);
    Map<String, Integer> perNet = new HashMap<>();
    PunchSession failed = null;
    for (PunchSession x : sessions.values()) {
      if (x.role == PunchSession.Role.RESPONDER) {
        perNet.merge(netOf(x), 1, Integer::sum);
        if (failed == null && x.state == PunchSession.State.FAILED) {
          failed = x;
        }
      }
    }
    if (failed != null) {
      return drop(failed);
    }
    int floor = perNet.getOrDefault(newcomer, 0);
    PunchSession victim = null;
    int victimRank = Integer.MAX_VALUE;
    int victimCount = floor;
    // Insertion order is creation order: the first session of a rank is the oldest of it.
    for (PunchSession x : sessions.values()) {
      if (x.role != PunchSession.Role.RESPONDER) {
        continue;
      }
      int count = perNet.get(netOf(x));
      int rank = x.state == PunchSession.State.ESTABLISHED ? 2 : x.validated ? 1 : 0;
      if (count > victimCount || count == victimCount && victim != null && rank < victimRank) {
        victim = x;
        victimRank = rank;
        victimCount = count;
      }
    }
    return victim != null && drop(victim);
  }

  private static String netOf(PunchSession s) {
    return s.rendezvousObserved == null ? "" : Rendezvous.networkKey(s.rendezvousObserved);
  }

  private boolean drop(PunchSession s) {
    sessions.remove(s.id);
    evictedSessions++;
    return true;
  }

  private void probeRound(PunchSession s, long now) {
    for (PunchSession.Target t : s.targets) {
      if (s.spendProbe(t)) {
        sendProbe(s, t.socket(), t.to(), now);
      }
    }
    s.timers.put(PunchSession.Timer.PROBE, now + config.probeIntervalMs());
  }

  private void hardRound(PunchSession s, long now) {
    for (int i = 1; i <= config.birthdaySockets(); i++) {
      for (InetSocketAddress to : s.publicTargets()) {
        sendProbe(s, i, to, now);
      }
    }
    s.timers.put(PunchSession.Timer.BIRTHDAY, now + config.hardRefreshMs());
  }

  private void easyBatch(PunchSession s, long now) {
    Optional<InetSocketAddress> ip = s.publicTargets().stream().findFirst();
    for (int i = 0; i < config.birthdayBatch() && s.birthdaySent < config.birthdayProbes() && ip.isPresent(); i++) {
      int port;
      do {
        port = 1024 + random.nextInt(65536 - 1024);
      } while (s.triedPorts.get(port));
      s.triedPorts.set(port);
      s.birthdaySent++;
      sendProbe(s, 0, new InetSocketAddress(ip.get().getAddress(), port), now);
    }
    if (s.birthdaySent < config.birthdayProbes() && ip.isPresent()) {
      s.timers.put(PunchSession.Timer.BIRTHDAY, now + config.birthdayBatchIntervalMs());
    } else {
      s.timers.remove(PunchSession.Timer.BIRTHDAY);
    }
  }

  private void sendProbe(PunchSession s, int socket, InetSocketAddress to, long now) {
    if (!s.spendBudget(s.probe.length)) {
      withheldProbes++;
      return;
    }
    transmits.add(new PunchTransmit(socket, to, s.probe));
    s.probesSent++;
    s.firstSent.putIfAbsent(new PunchSession.Target(socket, to, null).key(), now);
  }

  private void onProbe(int socket, InetSocketAddress from, PunchMessage.Probe p, byte[] raw, long now) {
    PunchSession s = sessions.get(p.session());
    if (s == null || s.peerKey == null) {
      unknownSession++;
      return;
    }
    if (!Arrays.equals(raw, s.verifiedProbe)) {
      if (!Identity.verify(s.peerKey, PunchCodec.PROBE_DOMAIN, PunchCodec.nonceSigned(s.id, p.nonce()), p.signature())) {
        badSignature++; // a probe from the wrong key
        return;
      }
      s.verifiedProbe = raw.clone();
      s.ack = PunchCodec.encode(new PunchMessage.ProbeAck(s.id, p.nonce(),
          self.sign(PunchCodec.ACK_DOMAIN, PunchCodec.nonceSigned(s.id, p.nonce()))));
    }
    transmits.add(new PunchTransmit(socket, from, s.ack));
    if (socket != 0 && !s.peerReached) {
      s.peerReached = true;
      events.add(new PunchEvent.PeerReached(s.id, s.peer, socket, from));
    }
    if (s.state == PunchSession.State.WAITING) {
      beginProbing(s, now); // the peer started first: so do we
    }
    if (s.state == PunchSession.State.PROBING && s.addReflexive(socket, from)) {
      sendProbe(s, socket, from, now);
    }
  }

  private void onAck(int socket, InetSocketAddress from, PunchMessage.ProbeAck a, long now) {
    PunchSession s = sessions.get(a.session());
    if (s == null || s.peerKey == null) {
      unknownSession++;
      return;
    }
    if (a.echoedNonce() != s.myNonce || !Identity.verify(s.peerKey, PunchCodec.ACK_DOMAIN,
        PunchCodec.nonceSigned(s.id, s.myNonce), a.signature())) {
      badSignature++;
      return;
    }
    if (s.state == PunchSession.State.ESTABLISHED || s.state == PunchSession.State.FAILED) {
      return;
    }
    Long sent = s.firstSent.get(new PunchSession.Target(socket, from, null).key());
    long rtt = now - (sent != null ? sent : s.probeStart);
    s.state = PunchSession.State.ESTABLISHED;
    s.timers.clear();
    s.timers.put(PunchSession.Timer.LINGER, now + config.lingerMs());
    events.add(new PunchEvent.PathEstablished(s.id, s.peer, kindOf(s, socket, from), socket, from,
        rtt, now - s.createdAt, s.probesSent));
  }

  private PathKind kindOf(PunchSession s, int socket, InetSocketAddress from) {
    Candidate.Kind k = s.candidateKind(from);
    if (k == Candidate.Kind.LAN) {
      return PathKind.LAN;
    }
    if (k == Candidate.Kind.MAPPED) {
      return PathKind.MAPPED;
    }
    // The hard side's main socket has a fresh mapping towards the easy side too: with a peer
    // that filters by port, any path it gets is a birthday hit.
    if (socket != 0 || s.birthdayHard || (s.birthdayEasy && k == null && s.triedPorts.get(from.getPort()))) {
      return PathKind.BIRTHDAY;
    }
    return k == Candidate.Kind.OBSERVED && s.peerHint.mapping() == dev.wormholes.nat.NatBehaviour.NONE
        ? PathKind.DIRECT : PathKind.PUNCHED;
  }

  private void fail(PunchSession s, FailReason reason, long now) {
    s.state = PunchSession.State.FAILED;
    s.timers.clear();
    s.timers.put(PunchSession.Timer.LINGER, now + config.lingerMs());
    events.add(new PunchEvent.PunchFailed(s.id, s.peer, reason, s.probesSent));
  }

  /** Fire every timer due at {@code now}. */
  public void handleTimeout(long now) {
    if (now >= registerDue) {
      register(now);
    }
    for (PunchSession s : new ArrayList<>(sessions.values())) {
      for (PunchSession.Timer t : s.due(now)) {
        fire(s, t, now);
      }
    }
  }

  private void fire(PunchSession s, PunchSession.Timer t, long now) {
    boolean probing = s.state == PunchSession.State.PROBING;
    if ((t == PunchSession.Timer.PROBE || t == PunchSession.Timer.BIRTHDAY) && !probing
        || t == PunchSession.Timer.START && s.state != PunchSession.State.WAITING) {
      return; // made stale by an earlier timer of the same instant
    }
    switch (t) {
      case CONNECT_RETRY:
        if (s.state == PunchSession.State.CONNECTING) {
          retryConnect(s, now);
        }
        break;
      case START: beginProbing(s, now); break;
      case PROBE: probeRound(s, now); break;
      case BIRTHDAY:
        if (!s.validated) {
          break;
        }
        if (s.birthdayHard) {
          hardRound(s, now);
        } else {
          easyBatch(s, now);
        }
        break;
      case DEADLINE:
        fail(s, s.state == PunchSession.State.PROBING ? FailReason.TIMEOUT : FailReason.NO_ANSWER, now);
        break;
      case LINGER: sessions.remove(s.id); break;
      default: break;
    }
  }

  private void send(int socket, InetSocketAddress to, PunchMessage m) {
    transmits.add(new PunchTransmit(socket, to, PunchCodec.encode(m)));
  }

  /** Return the next datagram to send. */
  public Optional<PunchTransmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return the next event. */
  public Optional<PunchEvent> pollEvent() {
    return Optional.ofNullable(events.poll());
  }

  /** Return the earliest timer deadline. */
  public OptionalLong pollTimeout() {
    long min = registerDue;
    for (PunchSession s : sessions.values()) {
      min = Math.min(min, s.nextDeadline());
    }
    return min == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(min);
  }

  /** Return the sessions in progress or lingering. */
  public int sessionCount() {
    return sessions.size();
  }

  /** Return the refusal counters. */
  public Counters counters() {
    return new Counters(malformed, badSignature, notFromRendezvous, unknownSession, refusedConnects,
        withheldProbes, evictedSessions);
  }
}
