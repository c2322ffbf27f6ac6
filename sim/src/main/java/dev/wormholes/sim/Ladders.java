package dev.wormholes.sim;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.nat.node.NatCore;
import dev.wormholes.nat.node.PathEngine;
import dev.wormholes.nat.node.RelayCore;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The connect pairs' ladders: each initiator's {@link PathEngine} (the engine {@code wormholed}'s
 * {@code PathFinder} drives), driven for {@link NatLayer}. A connect starts a search for the target;
 * the ladder's actions become the world's: its lookup a GET of the target's presence record through
 * the run's DHT ({@code nat.lookup = dht}) or the target's current record handed in, its dials
 * modelled handshakes, its punches {@link NatCore#punch}, its relay opens the initiator's {@link
 * RelayCore}'s; their outcomes go back to the ladder as events, and the ladder's {@code Found} or
 * failure ends the pair's measured connect ({@link Connects}). The NAT cores, relays, handshakes and
 * boxes are {@link NatLayer}'s, reached through {@link Host}.
 */
final class Ladders {
  /** What the ladders need of the NAT layer. */
  interface Host {
    /** Start member slot {@code slot}'s engine and presence policy, unless it has started. */
    void begin(int slot, long now);

    /** Return the core index of node {@code node}'s engine (it exists). */
    int coreOf(int node);

    NatCore core(int ci);

    RelayCore relay(int ci);

    /** Drain core {@code ci}'s NAT engine. */
    void drain(int ci, long now);

    /** Drain core {@code ci}'s relay engine. */
    void drainRelay(int ci, long now);

    /** Dial {@code to} for pair {@code p}'s ladder action {@code action} (a modelled handshake). */
    void dial(int p, InetSocketAddress to, long action, long now);

    /** Return pair {@code p}'s target's current presence record, as a fresh publish would make it. */
    Presence record(int p, long now);

    /** Call {@link #timer} for pair {@code p} at {@code time}. */
    void at(long time, int p);
  }

  private final Connects connects;
  private final boolean relaysOn;
  private final Host host;
  private NatLayer.Dht dht;
  private Identity[] identities;
  private boolean[] online;
  private final Map<Long, long[]> lookups = new HashMap<>();
  // relay open request -> {pair, ladder action}
  private final Map<Long, long[]> relayOpens = new HashMap<>();
  private final long[] punchRequest;
  private final PathEngine[] ladders;
  private final long[] punchAction;
  private final long[] ladderTimerAt;
  private final long[] relayStart;
  private final int[] punchProbes;
  private final HolePunch.FailReason[] punchReason;
  private final InetSocketAddress[] punchedEndpoint;
  private long offlineConnects;
  private long unclassifiedConnects;
  private long dialsWon;
  private long punchesWon;
  private long ladderSearches;
  private long ladderFound;
  private long ladderFailed;
  private long directAfterRelayStart;
  private long relayedPaths;
  private long lookupsStarted;
  private long lookupsFound;
  private long lookupsFailed;

  Ladders(Connects connects, boolean relaysOn, Host host) {
    this.connects = connects;
    this.relaysOn = relaysOn;
    this.host = host;
    int pairs = connects.pairs();
    punchRequest = new long[pairs];
    Arrays.fill(punchRequest, -1);
    ladders = new PathEngine[pairs];
    punchAction = new long[pairs];
    Arrays.fill(punchAction, -1);
    ladderTimerAt = new long[pairs];
    Arrays.fill(ladderTimerAt, Long.MAX_VALUE);
    relayStart = new long[pairs];
    Arrays.fill(relayStart, -1);
    punchProbes = new int[pairs];
    Arrays.fill(punchProbes, -1);
    punchReason = new HolePunch.FailReason[pairs];
    punchedEndpoint = new InetSocketAddress[pairs];
  }

  void attach(Identity[] ids, boolean[] onlineNodes) {
    this.identities = ids;
    this.online = onlineNodes;
  }

  /** With {@code nat.lookup = dht}: the ladders' lookups are GETs through {@code d} (null: records handed in). */
  void useDht(NatLayer.Dht d) {
    this.dht = d;
  }

  /**
   * The initiator asks its ladder for a path to the target; the ladder's lookup is a GET of the
   * target's presence record through the run's DHT ({@code nat.lookup = dht}), or is answered at
   * once with the target's current record ({@code record}).
   */
  void connect(int p, long now) {
    int a = connects.initiator[p];
    if (!online[a]) {
      offlineConnects++; // an offline node asks for nothing: the pair is not started
      return;
    }
    host.begin(2 * p + 1, now);
    connects.start[p] = now;
    if (host.core(host.coreOf(a)).report().observations() == 0) unclassifiedConnects++;
    PathEngine ladder = new PathEngine(address -> true); // another site's LAN address is unroutable
    ladder.punching(true);
    ladder.relaying(true);
    ladders[p] = ladder;
    ladderSearches++;
    ladder.find(identities[connects.target[p]].id(), now);
    drainLadder(p, now);
  }

  /** Perform pair {@code p}'s ladder actions, take its outcomes, re-arm its timer. */
  void drainLadder(int p, long now) {
    PathEngine ladder = ladders[p];
    int a = connects.initiator[p];
    int ci = host.coreOf(a);
    NatCore c = host.core(ci);
    boolean punched = false;
    for (Optional<PathEngine.Action> x = ladder.pollAction(); x.isPresent(); x = ladder.pollAction()) {
      PathEngine.Action action = x.get();
      if (action instanceof PathEngine.Lookup l && dht != null) {
        long q = dht.get(a, l.target(), now);
        lookups.put(queryKey(a, q), new long[] {p, l.id()});
        lookupsStarted++;
        dht.drain(a);
      } else if (action instanceof PathEngine.Lookup l) {
        ladder.handleRecord(l.id(), host.record(p, now), c.selfHard(), now);
      } else if (action instanceof PathEngine.Dial d) {
        host.dial(p, d.address(), d.id(), now);
      } else if (action instanceof PathEngine.Punch x2) {
        List<Contact> introducers = new ArrayList<>();
        for (dev.wormholes.proto.wire.Contact i : x2.record().getIntroducersList()) {
          Optional<InetSocketAddress> at = Endpoints.fromWire(i.getEndpoint());
          Optional<NodeId> id = NodeId.tryOf(i.getId().toByteArray());
          if (at.isPresent() && id.isPresent()) introducers.add(new Contact(id.get(), at.get()));
        }
        punchAction[p] = x2.id();
        connects.punchTried[p] = true;
        punchRequest[p] = c.punch(x2.target(), introducers, now);
        punched = true;
      } else if (action instanceof PathEngine.OpenRelay o) {
        if (relayStart[p] < 0) relayStart[p] = now;
        if (relaysOn) {
          relayOpens.put(host.relay(ci).open(o.relay(), o.relayId(), o.target(), now), new long[] {p, o.id()});
          host.drainRelay(ci, now);
        } else {
          ladder.handleFailed(o.id(), "relays are off (nat.relays = false)", now);
        }
      }
    }
    for (Optional<PathEngine.Outcome> o = ladder.pollOutcome(); o.isPresent(); o = ladder.pollOutcome()) {
      if (o.get() instanceof PathEngine.Found f && f.rung() == PathEngine.Rung.RELAYED) {
        ladderFound++;
        relayedPaths++;
        ladder.forget(f.target()); // the measurement ends here: no upgrade rounds
        finish(p, Connects.Outcome.RELAYED, null, punchReason[p], punchProbes[p] >= 0 ? punchProbes[p] : 0, now);
      } else if (o.get() instanceof PathEngine.Found f) {
        ladderFound++;
        if (relayStart[p] >= 0) directAfterRelayStart++;
        if (f.dialAddress().equals(punchedEndpoint[p])) punchesWon++; else dialsWon++;
        finish(p, Connects.Outcome.DIRECT, kindOf(f.rung()), null, punchProbes[p] >= 0 ? punchProbes[p] : 0, now);
      } else {
        ladderFailed++;
        finish(p, Connects.Outcome.FAILED, null, punchReason[p], punchProbes[p],
            relaysOn || relayStart[p] < 0 ? now : relayStart[p]);
      }
    }
    long due = ladder.pollTimeout().orElse(Long.MAX_VALUE);
    if (due != Long.MAX_VALUE && due < ladderTimerAt[p]) {
      ladderTimerAt[p] = Math.max(due, now);
      host.at(ladderTimerAt[p], p);
    }
    if (punched) host.drain(ci, now);
  }

  private static long queryKey(int node, long query) {
    return (long) node << 32 | (query & 0xFFFFFFFFL);
  }

  /**
   * A DHT query of node {@code node} finished: if it is a ladder's lookup, hand the record it found
   * to the ladder as {@code PathFinder} does (a record signed by the target's key, else the lookup
   * failed). Return whether the query was a ladder's.
   */
  boolean queryFinished(int node, long query, QueryResult result, long now) {
    long[] w = lookups.remove(queryKey(node, query));
    if (w == null) return false;
    int p = (int) w[0];
    if (connects.lookupEnd[p] < 0) connects.lookupEnd[p] = now;
    NodeId target = identities[connects.target[p]].id();
    Optional<Presence> record = result instanceof QueryResult.Found f ? DhtValues.parsePresence(f.value()) : Optional.empty();
    if (record.isPresent() && Identity.idOf(record.get().getPublicKey().toByteArray()).equals(target)) {
      lookupsFound++;
      ladders[p].handleRecord(w[1], record.get(), host.core(host.coreOf(node)).selfHard(), now);
    } else {
      lookupsFailed++;
      ladders[p].handleFailed(w[1], "no presence record found for node " + target, now);
    }
    drainLadder(p, now);
    return true;
  }

  /** Pair {@code p}'s ladder timer. */
  void timer(int p, long now) {
    if (now != ladderTimerAt[p]) return; // superseded by an earlier one
    ladderTimerAt[p] = Long.MAX_VALUE;
    ladders[p].handleTimeout(now);
    drainLadder(p, now);
  }

  /** Return whether {@code request} is the punch pair {@code p}'s ladder asked for. */
  boolean punchOf(int p, long request) {
    return request == punchRequest[p];
  }

  /** Pair {@code p}'s punch ended (with a path, or failed). */
  void punched(int p, NatCore.Outcome o, long now) {
    if (o.path() != null) {
      punchProbes[p] = o.path().probesSent();
      punchedEndpoint[p] = o.path().endpoint();
      ladders[p].handlePunched(punchAction[p], o.path().endpoint(), PathEngine.Rung.of(o.path().kind()), now);
    } else {
      punchReason[p] = o.reason();
      ladders[p].handleFailed(punchAction[p], o.failure(), now);
    }
    drainLadder(p, now);
  }

  /** A relay open ended: opened at {@code synthetic}, or failed ({@code synthetic} null) for {@code why}. */
  void relayOpened(long request, InetSocketAddress synthetic, String why, long now) {
    long[] w = relayOpens.remove(request);
    if (w == null) return;
    if (synthetic != null) {
      ladders[(int) w[0]].handleRelayOpened(w[1], synthetic, now);
    } else {
      ladders[(int) w[0]].handleFailed(w[1], why, now);
    }
    drainLadder((int) w[0], now);
  }

  /** Pair {@code p}'s dial {@code action} connected. */
  void connected(int p, long action, long now) {
    ladders[p].handleConnected(action, now);
    drainLadder(p, now);
  }

  /** Pair {@code p}'s dial {@code action} timed out. */
  void timedOut(int p, long action, long now) {
    ladders[p].handleFailed(action, "handshake timed out", now);
    drainLadder(p, now);
  }

  private static HolePunch.PathKind kindOf(PathEngine.Rung r) {
    return switch (r) {
      case LAN -> HolePunch.PathKind.LAN;
      case DIRECT -> HolePunch.PathKind.DIRECT;
      case MAPPED -> HolePunch.PathKind.MAPPED;
      case PUNCHED -> HolePunch.PathKind.PUNCHED;
      case BIRTHDAY -> HolePunch.PathKind.BIRTHDAY;
      case RELAYED -> throw new IllegalStateException("a relayed path is no direct path kind");
    };
  }

  private void finish(int p, Connects.Outcome outcome, HolePunch.PathKind kind, HolePunch.FailReason reason, int probes,
      long now) {
    if (connects.outcome[p] != Connects.Outcome.UNFINISHED) return;
    connects.outcome[p] = outcome;
    connects.end[p] = now;
    connects.kind[p] = kind;
    connects.reason[p] = reason;
    connects.probesA[p] = probes;
  }

  /** Add the ladders' counters to {@code c}. */
  void count(Simulation.Counters c) {
    c.put("nat.connects_from_offline", offlineConnects);
    c.put("nat.connects_unclassified", unclassifiedConnects);
    c.put("nat.connects_by_dial", dialsWon);
    c.put("nat.connects_by_punch", punchesWon);
    c.put("nat.ladder.searches", ladderSearches);
    c.put("nat.ladder.found", ladderFound);
    c.put("nat.ladder.failed", ladderFailed);
    c.put("nat.ladder.direct_after_relay_start", directAfterRelayStart);
    c.put("nat.ladder.relayed", relayedPaths);
    if (dht != null) {
      c.put("nat.lookups.started", lookupsStarted);
      c.put("nat.lookups.found", lookupsFound);
      c.put("nat.lookups.failed", lookupsFailed);
    }
  }
}
