package dev.wormholes.nat.node;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.AddressObserver;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatClassifier;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.portmap.PortMapProtocol;
import dev.wormholes.nat.punch.Candidate;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchEvent;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.nat.punch.Rendezvous;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.WallClock;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * The node's NAT decisions, sans-I/O: {@link Observations} (an {@code AddressObserver} and a
 * {@link NatClassifier}) fed by DHT observations and by Observe probes to contacts; {@link
 * FilterTest} and {@link DialBacks} for filtering; {@link HolePunch} engines, one per
 * rendezvous (up to {@link Settings#maxRendezvous} kept registered while the node is not public,
 * others made for one punch through a target's introducer); a {@link Rendezvous} engine while the
 * node is public and serving. Every datagram of first byte 0x0E goes through {@link
 * #handleDatagram}, which routes it to the one engine it concerns or refuses and counts it.
 *
 * <p>Polling (node/'s {@code NatAgent} on the socket's event loop; sim/'s {@code NatLayer} in virtual time): after every input drain
 * {@link #pollTransmit()}, then {@link #pollOutcome()}, then read {@link #pollTimeout()}. Time is
 * the {@code now} handed in; randomness is the generator handed in.
 */
public final class NatCore implements RelayCore.Host {

  /**
   * Tunables.
   *
   * @param serve serve as rendezvous while public ({@code --no-relay} turns it off)
   * @param registerWhenPublic register with rendezvous peers even when public (tests on loopback,
   *     where every node looks public)
   * @param maxRendezvous rendezvous peers kept registered
   * @param registerTimeoutMs how long a new rendezvous gets to answer Register
   * @param retryCandidateMs the longest a contact that did not answer waits to be asked again (10 s, doubling)
   * @param observeIntervalMs time between Observe rounds once the mapping is known
   * @param observeFastMs time between Observe rounds while fewer than two peers reported
   * @param observePeers contacts asked per Observe round
   * @param punch the punch engines' tunables (register interval replaced by the keepalive)
   * @param rendezvousCapacity registrations a serving rendezvous keeps
   */
  public record Settings(boolean serve, boolean registerWhenPublic, int maxRendezvous, long registerTimeoutMs,
      long retryCandidateMs, long observeIntervalMs, long observeFastMs, int observePeers,
      HolePunch.Config punch, int rendezvousCapacity) {
    /** Return the defaults, with nat's punch defaults (256 birthday sockets on the hard side). */
    public static Settings defaults(boolean serve) {
      return new Settings(serve, false, 2, 3_000, 5 * 60_000, 60_000, 3_000, 4, HolePunch.Config.defaults(), 1024);
    }

    public Settings withRegisterWhenPublic(boolean on) {
      return new Settings(serve, on, maxRendezvous, registerTimeoutMs, retryCandidateMs,
          observeIntervalMs, observeFastMs, observePeers, punch, rendezvousCapacity);
    }
  }

  /**
   * A punched path that runs through a birthday side socket: QUIC to {@code peer} must leave through
   * socket {@code socket}, and QUIC arriving there comes from it.
   */
  public record SidePath(int socket, InetSocketAddress peer) {}

  /** The first socket index of birthday side sockets (engine socket i is {@code BIRTHDAY_BASE + i}). */
  public static final int BIRTHDAY_BASE = 100;

  /**
   * How a punch request ended: a path, or a failure in words and, when the punch engine gave up,
   * its reason (null otherwise).
   */
  public record Outcome(long request, PunchedPath path, String failure, HolePunch.FailReason reason) {
    Outcome(long request, PunchedPath path, String failure) {
      this(request, path, failure, null);
    }
  }

  /** One punch engine and what the agent knows about its rendezvous. */
  private static final class Engine {
    final HolePunch punch;
    final InetSocketAddress rendezvous;
    final NodeId rendezvousId;
    boolean keep; // one of our registered introducers (else: made for one punch)
    boolean registered;
    long lastHeard;
    long registerDeadline;
    long idleSince;

    Engine(HolePunch punch, InetSocketAddress rendezvous, NodeId rendezvousId) {
      this.punch = punch;
      this.rendezvous = rendezvous;
      this.rendezvousId = rendezvousId;
    }
  }

  /** A punch asked for by {@link #punch}. */
  private static final class Request {
    final long id;
    final NodeId target;
    final List<Contact> introducers;
    final long startedAt;
    int next;
    Engine engine;
    long session;
    boolean connected;
    long deadline;

    Request(long id, NodeId target, List<Contact> introducers, long startedAt) {
      this.id = id;
      this.target = target;
      this.introducers = introducers;
      this.startedAt = startedAt;
    }
  }


  static final int MAX_ENGINES = 16;
  static final int MAX_REQUESTS = 64;
  static final int MAX_SESSIONS = 1024;
  static final int MAX_FAILED_CANDIDATES = 256;

  private final Identity self;
  private final InetSocketAddress bound;
  private final List<InetSocketAddress> lan;
  private final Settings settings;
  private final RandomGenerator random;
  private final WallClock wall;
  private final NatCounters counters = new NatCounters();
  private final DialBacks dialBacks;
  private final Observations obs;
  private final FilterTest filterTest = new FilterTest();
  private Rendezvous rendezvous;
  private final Map<InetSocketAddress, Engine> engines = new LinkedHashMap<>();
  // Session id -> the engine that owns it; insertion ordered, the eldest forgotten first.
  private final LinkedHashMap<Long, Engine> sessions = new LinkedHashMap<>();
  private final Map<Long, Request> requests = new LinkedHashMap<>();
  // Rendezvous candidates that did not answer: when to ask again, and how often they failed.
  private final LinkedHashMap<InetSocketAddress, long[]> failedCandidates = new LinkedHashMap<>();
  private final Queue<PunchTransmit> transmits = new ArrayDeque<>();
  private final Queue<Outcome> outcomes = new ArrayDeque<>();
  private final Queue<SidePath> sidePaths = new ArrayDeque<>();
  private List<Contact> contacts = List.of();
  private InetSocketAddress mapped;
  private PortMapProtocol mappedProtocol;
  private long mappedLifetimeS;
  private long nextRequestId = 1;
  private long lastNow;
  private List<Candidate> published = List.of();
  private NatHint publishedHint = NatHint.UNKNOWN;

  /**
   * Make the core for the socket bound at {@code bound}, reachable on the LAN at {@code lan}; sign
   * as {@code self}.
   */
  public NatCore(Identity self, InetSocketAddress bound, List<InetSocketAddress> lan, Settings settings,
      RandomGenerator random, WallClock wall) {
    this.self = self;
    this.bound = bound;
    this.lan = List.copyOf(lan);
    this.settings = settings;
    this.random = random;
    this.wall = wall;
    this.dialBacks = new DialBacks(bound);
    this.obs = new Observations(bound, this.lan, counters);
  }

  // ---- inputs

  /** Feed a 0x0E datagram that arrived on the main socket from {@code from}. */
  public void handleDatagram(InetSocketAddress from, byte[] bytes, long now) {
    handleDatagram(0, from, bytes, now);
  }

  /**
   * Feed a 0x0E datagram that arrived on {@code socket} from {@code from}: 0 the main socket, 1 the
   * side socket, {@link #BIRTHDAY_BASE} + i birthday socket i.
   */
  public void handleDatagram(int socket, InetSocketAddress from, byte[] bytes, long now) {
    Optional<PunchMessage> decoded = PunchCodec.decode(bytes);
    if (decoded.isEmpty()) {
      counters.malformed++;
      return;
    }
    PunchMessage m = decoded.get();
    if (socket != 0) {
      onSideSocket(socket, from, m, bytes, now);
    } else if (m instanceof PunchMessage.DialBack b) {
      testArrived(b.nonce(), now); // the hairpin test comes back on the main socket
    } else if (m instanceof PunchMessage.DialBackRequest r) {
      if (rendezvous == null) {
        counters.notServing++;
      } else {
        dialBacks.onRequest(from, r, contacts, random, transmits);
      }
    } else if (m instanceof PunchMessage.DialBackOrder o) {
      dialBacks.onOrder(from, o, contacts, now, transmits);
    } else if (m instanceof PunchMessage.Observe o) {
      obs.answer(from, o, now, transmits);
    } else if (m instanceof PunchMessage.Observed o) {
      obs.onObserved(from, o, now);
    } else if (m instanceof PunchMessage.Probe p) {
      toSession(p.session(), 0, from, bytes, now);
    } else if (m instanceof PunchMessage.ProbeAck a) {
      toSession(a.session(), 0, from, bytes, now);
    } else if (m instanceof PunchMessage.Connect c && c.observedByRendezvous() != null) {
      toEngine(from, bytes, now, c.session());
    } else if (m instanceof PunchMessage.Accept a && a.observedByRendezvous() != null) {
      toEngine(from, bytes, now, a.session());
    } else if (m instanceof PunchMessage.Registered || m instanceof PunchMessage.Refused) {
      toEngine(from, bytes, now, 0);
    } else if (m instanceof PunchMessage.Sync && engines.containsKey(from)) {
      toEngine(from, bytes, now, 0);
    } else {
      toRendezvous(from, bytes, now);
    }
    drain(now);
  }

  private void onSideSocket(int socket, InetSocketAddress from, PunchMessage m, byte[] bytes, long now) {
    if (socket >= BIRTHDAY_BASE) {
      if (m instanceof PunchMessage.Probe p) {
        toSession(p.session(), socket - BIRTHDAY_BASE, from, bytes, now);
      } else if (m instanceof PunchMessage.ProbeAck a) {
        toSession(a.session(), socket - BIRTHDAY_BASE, from, bytes, now);
      } else {
        counters.unsolicited++;
      }
      return;
    }
    if (m instanceof PunchMessage.Observed o && obs.classifier() != null
        && filterTest.onObserved(from, o, obs.classifier(), obs.endpoint(lastNow).orElse(null), now, random, transmits)) {
      return;
    }
    if (m instanceof PunchMessage.DialBack b && !filterTest.provesNothing(from)) {
      testArrived(b.nonce(), now);
      return;
    }
    counters.unsolicited++;
  }

  private void testArrived(long nonce, long now) {
    if (obs.classifier() == null || !obs.classifier().handleTestArrived(nonce, now)) {
      counters.unsolicited++;
    }
  }

  private void toSession(long session, int socket, InetSocketAddress from, byte[] bytes, long now) {
    Engine e = sessions.get(session);
    if (e == null) {
      counters.unknownSession++;
      return;
    }
    e.punch.handleDatagram(socket, from, bytes, now);
  }

  private void toEngine(InetSocketAddress from, byte[] bytes, long now, long session) {
    Engine e = engines.get(from);
    if (e == null) {
      counters.notFromRendezvous++;
      return;
    }
    PunchCodec.decode(bytes).filter(PunchMessage.Registered.class::isInstance).ifPresent(x -> {
      e.lastHeard = now;
    });
    if (session != 0) {
      remember(session, e);
    }
    e.punch.handleDatagram(0, from, bytes, now);
  }

  private void toRendezvous(InetSocketAddress from, byte[] bytes, long now) {
    if (rendezvous == null) {
      counters.notServing++;
      return;
    }
    rendezvous.handleDatagram(0, from, bytes, now);
  }

  private void remember(long session, Engine e) {
    sessions.put(session, e);
    if (sessions.size() > MAX_SESSIONS) {
      Iterator<Long> it = sessions.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  /** Record that DHT peer {@code by} saw us as {@code observed}. */
  public void handleObservation(Contact by, InetSocketAddress observed, long now) {
    obs.observe(by.id(), by.address(), observed, now);
    drain(now);
  }

  /** Replace the DHT contacts the core may ask (Observe, registration). */
  public void handleContacts(List<Contact> known, long now) {
    List<Contact> out = new ArrayList<>();
    for (Contact c : known) {
      if (!c.id().equals(self.id()) && !c.address().equals(bound)) {
        out.add(c);
      }
    }
    contacts = List.copyOf(out);
    handleTimeout(now);
  }

  /** Record the port mapping in force (null: none). */
  public void handleMapping(InetSocketAddress endpoint, PortMapProtocol protocol, long lifetimeS, long now) {
    mapped = endpoint;
    mappedProtocol = endpoint == null ? null : protocol;
    mappedLifetimeS = endpoint == null ? 0 : lifetimeS;
    drain(now);
  }

  /**
   * Punch towards {@code target} through one of {@code introducers} (tried in turn); return the
   * request id that {@link #pollOutcome()} will answer.
   */
  public long punch(NodeId target, List<Contact> introducers, long now) {
    long id = nextRequestId++;
    List<Contact> usable = new ArrayList<>();
    for (Contact c : introducers) {
      if (!c.id().equals(self.id()) && !c.id().equals(target)) {
        usable.add(c);
      }
    }
    if (target.equals(self.id())) {
      outcomes.add(new Outcome(id, null, "cannot punch to this node itself"));
    } else if (usable.isEmpty()) {
      outcomes.add(new Outcome(id, null, "the target's presence record lists no introducer"));
    } else if (requests.size() >= MAX_REQUESTS) {
      outcomes.add(new Outcome(id, null, "too many punches in progress"));
    } else {
      Request r = new Request(id, target, usable, now);
      requests.put(id, r);
      usable.sort((a, b) -> Boolean.compare(!engines.containsKey(a.address()), !engines.containsKey(b.address())));
      attempt(r, now);
    }
    drain(now);
    return id;
  }

  private void attempt(Request r, long now) {
    while (r.next < r.introducers.size()) {
      Contact via = r.introducers.get(r.next++);
      Engine e = engines.get(via.address());
      if (e == null) {
        e = newEngine(via, false, now);
        if (e == null) {
          continue;
        }
      }
      r.engine = e;
      r.connected = false;
      r.deadline = now + settings.registerTimeoutMs();
      if (e.registered) {
        connect(r, now);
      }
      return;
    }
    finish(r, null, "no introducer of the target answered (" + r.introducers.size() + " tried)");
  }

  private void connect(Request r, long now) {
    r.connected = true;
    r.session = r.engine.punch.connect(r.target, now);
    r.deadline = Long.MAX_VALUE; // the engine's own deadline ends the session
    remember(r.session, r.engine);
  }

  private Engine newEngine(Contact via, boolean keep, long now) {
    if (engines.size() >= MAX_ENGINES) {
      return null;
    }
    HolePunch hp = new HolePunch(settings.punch().withRegisterInterval(keepaliveMs()), self, via.address(), random, wall);
    Engine e = new Engine(hp, via.address(), via.id());
    e.keep = keep;
    e.registerDeadline = now + settings.registerTimeoutMs();
    e.idleSince = now;
    engines.put(via.address(), e);
    hp.setLocal(published, publishedHint);
    hp.start(now);
    return e;
  }

  /** Fire every timer due at {@code now}: engines, Observe rounds, rendezvous choice, requests. */
  public void handleTimeout(long now) {
    for (Engine e : new ArrayList<>(engines.values())) {
      e.punch.handleTimeout(now);
    }
    obs.handleTimeout(contacts, settings.observePeers(), settings.observeFastMs(), settings.observeIntervalMs(),
        now, random, transmits);
    filterTest.handleTimeout(now, obs.classifier());
    for (Request r : new ArrayList<>(requests.values())) {
      if (!r.connected && now >= r.deadline) {
        attempt(r, now); // its introducer never registered us: the next one
      }
    }
    drain(now);
  }

  private void maintainEngines(long now) {
    boolean serveNow = settings.serve() && isPublic();
    if (serveNow && rendezvous == null) {
      rendezvous = new Rendezvous(settings.rendezvousCapacity(), null, java.util.Set.of());
    } else if (!serveNow && rendezvous != null) {
      counters.retire(rendezvous.counters());
      rendezvous = null;
    }
    for (Engine e : new ArrayList<>(engines.values())) {
      // Three keepalives unanswered, or no answer to the first Register: that peer is gone.
      boolean dead = e.registered ? now - e.lastHeard > 3 * keepaliveMs() + settings.registerTimeoutMs()
          : now >= e.registerDeadline;
      boolean busy = e.punch.sessionCount() > 0 || requests.values().stream().anyMatch(r -> r.engine == e);
      if (dead && !busy) {
        drop(e, now);
      } else if (!e.keep && !busy && now - e.idleSince > 2 * settings.punch().lingerMs()) {
        drop(e, now);
      } else if (busy) {
        e.idleSince = now;
      }
      if (e.keep && !needsRendezvous()) {
        e.keep = false; // became public: the registration is no longer needed
      }
    }
    if (needsRendezvous()) {
      pickRendezvous(now);
      engines.values().stream().filter(e -> e.keep && e.registered).findFirst()
          .ifPresent(e -> filterTest.maybeStart(e.rendezvous, now, random, transmits));
    }
  }

  private long keepaliveMs() {
    return obs.classifier() == null ? NatClassifier.DEFAULT_LIFETIME_MS / 2 : obs.classifier().keepaliveIntervalMs();
  }

  private void drop(Engine e, long now) {
    engines.remove(e.rendezvous);
    counters.retire(e.punch.counters());
    sessions.values().removeIf(x -> x == e);
    if (!e.registered) {
      long[] f = failedCandidates.computeIfAbsent(e.rendezvous, k -> new long[2]);
      f[1]++;
      // 10 s, 20 s, 40 s... up to retryCandidateMs: a peer may start serving a little later.
      f[0] = now + Math.min(settings.retryCandidateMs(), 10_000L << Math.min(20, f[1] - 1));
      if (failedCandidates.size() > MAX_FAILED_CANDIDATES) {
        Iterator<InetSocketAddress> it = failedCandidates.keySet().iterator();
        it.next();
        it.remove();
      }
    }
  }

  /** Return whether this node should keep registrations: behind a NAT (or told to anyway). */
  public boolean needsRendezvous() {
    if (obs.classifier() == null || obs.classifier().report().observations() == 0) {
      return false;
    }
    return settings.registerWhenPublic() || obs.classifier().mapping() != NatBehaviour.NONE;
  }

  private void pickRendezvous(long now) {
    long kept = engines.values().stream().filter(e -> e.keep).count();
    for (Engine e : engines.values()) {
      if (!e.keep && e.registered && kept < settings.maxRendezvous() && contactIds(e.rendezvous)) {
        e.keep = true; // a punch engine that registered fine becomes an introducer
        kept++;
      }
    }
    for (Contact c : contacts) {
      if (kept >= settings.maxRendezvous()) {
        return;
      }
      long[] failed = failedCandidates.get(c.address());
      if (engines.containsKey(c.address()) || failed != null && now < failed[0]) {
        continue;
      }
      if (newEngine(c, true, now) != null) {
        kept++;
      }
    }
  }

  private boolean contactIds(InetSocketAddress a) {
    return contacts.stream().anyMatch(c -> c.address().equals(a));
  }

  // ---- draining the engines

  private void drain(long now) {
    lastNow = now;
    boolean more = true;
    while (more) {
      more = false;
      maintainEngines(now); // engine events (a registration) can change what is needed
      refreshLocal();
      for (Engine e : new ArrayList<>(engines.values())) {
        for (var t = e.punch.pollTransmit(); t.isPresent(); t = e.punch.pollTransmit()) {
          more = true;
          PunchTransmit x = t.get();
          emit(x.socket() == 0 ? x : new PunchTransmit(BIRTHDAY_BASE + x.socket(), x.to(), x.payload()));
        }
        for (var ev = e.punch.pollEvent(); ev.isPresent(); ev = e.punch.pollEvent()) {
          more = true;
          onEvent(e, ev.get(), now);
        }
      }
      if (rendezvous != null) {
        for (var t = rendezvous.pollTransmit(); t.isPresent(); t = rendezvous.pollTransmit()) {
          emit(t.get());
        }
      }
    }
  }

  private void emit(PunchTransmit t) {
    if (t.socket() > 1 && t.socket() < BIRTHDAY_BASE) {
      counters.sideSocketSkipped++; // no such socket
      return;
    }
    transmits.add(t);
  }

  private void onEvent(Engine e, PunchEvent ev, long now) {
    if (ev instanceof PunchEvent.Registered) {
      e.registered = true;
      e.lastHeard = now;
      for (Request r : new ArrayList<>(requests.values())) {
        if (r.engine == e && !r.connected) {
          connect(r, now);
        }
      }
    } else if (ev instanceof PunchEvent.PeerReached p) {
      // The peer's QUIC can arrive on that socket before our own verdict: answer it from there.
      sidePaths.add(new SidePath(BIRTHDAY_BASE + p.socket(), p.endpoint()));
    } else if (ev instanceof PunchEvent.PathEstablished p) {
      if (p.socket() != 0) {
        sidePaths.add(new SidePath(BIRTHDAY_BASE + p.socket(), p.endpoint())); // before the outcome
      }
      Request r = bySession(p.session());
      if (r != null && p.peer().equals(r.target)) {
        finish(r, new PunchedPath(p.endpoint(), p.kind(), now - r.startedAt, p.probesSent()), null);
      }
      counters.pathsEstablished++;
    } else if (ev instanceof PunchEvent.PunchFailed f) {
      Request r = bySession(f.session());
      if (r == null) {
        return;
      }
      if (f.reason() == HolePunch.FailReason.TARGET_UNREACHABLE && r.next < r.introducers.size()) {
        attempt(r, now);
      } else {
        requests.remove(r.id);
        outcomes.add(new Outcome(r.id, null, "punch failed: " + f.reason() + " after " + f.probesSent()
            + " probes via " + r.engine.rendezvousId.shortString(), f.reason()));
      }
    }
  }

  private Request bySession(long session) {
    for (Request r : requests.values()) {
      if (r.connected && r.session == session) {
        return r;
      }
    }
    return null;
  }

  private void finish(Request r, PunchedPath path, String failure) {
    requests.remove(r.id);
    outcomes.add(new Outcome(r.id, path, failure));
  }

  /** Give every engine our current candidates and NAT axes when they changed. */
  private void refreshLocal() {
    List<Candidate> cs = new ArrayList<>();
    for (InetSocketAddress a : lan) {
      if (cs.size() < PunchCodec.MAX_CANDIDATES - 2) {
        cs.add(new Candidate(Candidate.Kind.LAN, a));
      }
    }
    obs.endpoint(lastNow).filter(a -> !lan.contains(a)).ifPresent(a -> cs.add(new Candidate(Candidate.Kind.OBSERVED, a)));
    if (mapped != null) {
      cs.add(new Candidate(Candidate.Kind.MAPPED, mapped));
    }
    NatHint hint = NatHint.of(report());
    if (!cs.equals(published) || !hint.equals(publishedHint)) {
      published = List.copyOf(cs);
      publishedHint = hint;
      for (Engine e : engines.values()) {
        e.punch.setLocal(published, hint);
      }
    }
  }

  // ---- outputs

  /** Return the next datagram to send from the main socket. */
  public Optional<PunchTransmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return the next observation made by an Observe probe (for the presence record). */
  public Optional<Observations.Observation> pollObservation() {
    return obs.poll();
  }

  /** Return the next path through a birthday side socket (drain before {@link #pollOutcome()}). */
  public Optional<SidePath> pollSidePath() {
    return Optional.ofNullable(sidePaths.poll());
  }

  /** Return the next finished punch request. */
  public Optional<Outcome> pollOutcome() {
    return Optional.ofNullable(outcomes.poll());
  }

  /** Return the earliest deadline of any engine, request or Observe round. */
  public OptionalLong pollTimeout() {
    long min = obs.nextDeadline();
    for (Engine e : engines.values()) {
      min = Math.min(min, e.punch.pollTimeout().orElse(Long.MAX_VALUE));
      min = Math.min(min, e.registered ? Long.MAX_VALUE : e.registerDeadline);
    }
    for (Request r : requests.values()) {
      min = Math.min(min, r.deadline);
    }
    boolean haveRendezvous = engines.values().stream().anyMatch(e -> e.keep && e.registered);
    min = Math.min(min, filterTest.pollTimeout(haveRendezvous && needsRendezvous()).orElse(Long.MAX_VALUE));
    if (needsRendezvous()) {
      for (long[] f : failedCandidates.values()) {
        if (f[0] > lastNow) {
          min = Math.min(min, f[0]); // a candidate may be asked again then
        }
      }
    }
    return min == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(min);
  }

  // ---- state

  /** Return whether the node is public: at least two peers saw it at its own bound endpoint. */
  public boolean isPublic() {
    return obs.classifier() != null && obs.classifier().mapping() == NatBehaviour.NONE
        && obs.classifier().report().observations() >= 2;
  }

  /** Return the NAT report (all unknown before the first observation). */
  public NatReport report() {
    if (obs.classifier() == null) {
      return new NatReport(NatBehaviour.UNKNOWN, NatBehaviour.UNKNOWN, false, null, NatClassifier.DEFAULT_LIFETIME_MS, 0);
    }
    NatReport r = obs.classifier().report();
    if (r.mapping() == NatBehaviour.NONE && r.filtering() == NatBehaviour.UNKNOWN) {
      // No NAT, so no NAT filtering (a firewall could still filter: punching finds out).
      return new NatReport(r.mapping(), NatBehaviour.NONE, r.portPreserving(), r.hairpinning(),
          r.mappingLifetimeMs(), r.observations());
    }
    return r;
  }

  /**
   * Return whether this node is hard to punch: its mapping is endpoint-dependent (symmetric) and
   * no port mapping opens it. Two such nodes cannot punch ({@link PathLadder#plan}); a symmetric
   * node with a port mapping still can, through its mapped endpoint.
   */
  public boolean selfHard() {
    return report().isHard() && mapped == null;
  }

  /**
   * Return whether the node should run the DHT read-only: its NAT filters strangers ({@link
   * NatReport#filtersStrangers}, the port mapping in force counted).
   */
  public boolean dhtReadOnly() {
    return report().filtersStrangers(mapped != null);
  }

  /**
   * Return what the presence record carries of this engine: the mapped endpoint, the NAT report
   * (null while nothing is known) with the port-mapping protocol, and the registered introducers.
   */
  public PresencePolicy.Nat presenceFacts() {
    dev.wormholes.proto.wire.PortMappingProtocol wire = mappedProtocol == null
        ? dev.wormholes.proto.wire.PortMappingProtocol.PORT_MAPPING_NONE : mappedProtocol.toWire();
    NatReport r = report();
    return new PresencePolicy.Nat(mapped, r.observations() == 0 && mapped == null ? null : r.toWire(wire), rendezvous());
  }

  /** Return the registered introducers, in registration order. */
  @Override
  public List<Contact> rendezvous() {
    List<Contact> out = new ArrayList<>();
    for (Engine e : engines.values()) {
      if (e.keep && e.registered) {
        out.add(new Contact(e.rendezvousId, e.rendezvous));
      }
    }
    return out;
  }

  /** Return where {@code id} registered with this node's rendezvous, if it did. */
  @Override
  public Optional<InetSocketAddress> registered(NodeId id) {
    return rendezvous == null ? Optional.empty() : rendezvous.registered(id);
  }

  /** Return how many nodes are registered here. */
  public int registrations() {
    return rendezvous == null ? 0 : rendezvous.registrationCount();
  }

  /** Return whether this node serves as rendezvous now. */
  @Override
  public boolean serving() {
    return rendezvous != null;
  }

  /** Return the public endpoints the peers report, best first. */
  public List<AddressObserver.PublicEndpoint> publicEndpoints(long now) {
    return obs.endpoints(now);
  }

  /** Return the mapped endpoint, or null. */
  public InetSocketAddress mapped() {
    return mapped;
  }

  /** Return the protocol of the mapping, or null. */
  public PortMapProtocol mappedProtocol() {
    return mappedProtocol;
  }

  /** Return the lease of the mapping in seconds (0: none). */
  public long mappedLifetimeS() {
    return mappedLifetimeS;
  }

  /** Return the refusal counters: the agent's own, every engine's (live and retired). */
  public NatCounters.Snapshot counters() {
    List<HolePunch.Counters> live = new ArrayList<>();
    engines.values().forEach(e -> live.add(e.punch.counters()));
    return counters.snapshot(live, rendezvous == null ? null : rendezvous.counters(), dialBacks);
  }

  /** Return the punch sessions in progress or lingering over all engines. */
  public int sessionCount() {
    return engines.values().stream().mapToInt(e -> e.punch.sessionCount()).sum();
  }

  /** Return the number of punch engines (registered introducers and one-punch engines). */
  public int engineCount() {
    return engines.size();
  }
}
