package dev.wormholes.nat.node;

import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.Presence;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * The connectivity ladder as an engine, sans-I/O: per target node, when to look its record up,
 * which endpoints to dial, whether to punch, when relays start and in which order, which attempt
 * wins, and when a relayed path looks for a direct one again. What to try comes from {@link
 * PathLadder#plan}; this class owns the timing. The daemon's {@code PathFinder} and the simulator
 * drive the same object: they perform the actions (a DHT lookup, a QUIC handshake, a punch through
 * {@link NatCore}, a relay open) and hand each action's outcome back as an event.
 *
 * <p>A search ({@link #find}): {@link Lookup} first; with the record, one {@link Dial} per
 * endpoint of the plan that {@code dialable} accepts and a {@link Punch} when the plan punches, all
 * at once. Relays start {@link PathLadder.Plan#relayAfterMs()} after the record arrived, or as soon
 * as every direct attempt failed: one {@link OpenRelay} per introducer of the record, in turn, each
 * opened circuit dialled as a {@link Rung#RELAYED} {@link Dial}. The first dial that connects ends
 * the search with {@link Found}; when every attempt failed (or {@link #SEARCH_TIMEOUT_MS} passed),
 * {@link Failed}. A path found relayed is searched for again without relays {@link
 * PathLadder#upgradeDelay} after (15, 60 and 300 s): a direct path found then is a {@link Found}
 * with {@code upgrade} set, which replaces the relayed one; {@link #forget} stops the rounds.
 *
 * <p>A kept path can die unseen (the node was killed and restarted at the same address: its old
 * connection stays open until QUIC's idle timeout). A stream opened over a path therefore waits at
 * most {@link #openSilenceMs} for any packet from the node; when none came, the path is dead: the
 * driver closes its connection, calls {@link #forget} and searches once more.
 *
 * <p>Contract: after every call the driver drains {@link #pollAction()} and {@link #pollOutcome()}
 * until empty, then arms one timer for {@link #pollTimeout()} and calls {@link #handleTimeout} when
 * it fires. Each action carries an id; its outcome is handed back with that id through exactly one
 * of {@link #handleRecord}, {@link #handlePunched}, {@link #handleRelayOpened}, {@link
 * #handleConnected} or {@link #handleFailed}. Outcomes for unknown or finished actions are ignored.
 * Searches at once are bounded ({@link #MAX_SEARCHES}), and so are dials per search.
 */
public final class PathEngine {
  /** Searches in progress at once (upgrade rounds included); one more fails at once. */
  public static final int MAX_SEARCHES = 1024;
  /** A search that has neither found a path nor failed by then fails (ms after it started). */
  public static final long SEARCH_TIMEOUT_MS = 60_000;
  /** Endpoints of one record dialled at once; the rest are left out. */
  static final int MAX_DIALS = 8;
  /** Least wait of a stream open for a packet from the node before its path counts as dead (ms). */
  public static final long OPEN_SILENCE_FLOOR_MS = 2_000;
  /** That wait in round trips of the path, when the round trip is known. */
  public static final int OPEN_SILENCE_RTTS = 8;
  /** Longest such wait (ms): well under QUIC's 30 s idle timeout. */
  public static final long OPEN_SILENCE_CEILING_MS = 10_000;

  /** How a path came about, best first. */
  public enum Rung {
    /** The node's LAN endpoint answered. */
    LAN,
    /** The node's public endpoint answered without help. */
    DIRECT,
    /** The node's port-mapped endpoint answered. */
    MAPPED,
    /** A hole punch opened both NATs. */
    PUNCHED,
    /** A hole punch with the birthday technique opened an endpoint-dependent NAT. */
    BIRTHDAY,
    /** Through a relay circuit. */
    RELAYED;

    /** Return the rung of a path the punch engine found. */
    public static Rung of(HolePunch.PathKind kind) {
      return switch (kind) {
        case LAN -> LAN;
        case DIRECT -> DIRECT;
        case MAPPED -> MAPPED;
        case PUNCHED -> PUNCHED;
        case BIRTHDAY -> BIRTHDAY;
      };
    }
  }

  /** Something for the driver to do; its outcome goes back with {@link #id()}. */
  public sealed interface Action permits Lookup, Dial, Punch, OpenRelay {
    /** Return the action's id. */
    long id();

    /** Return the node the search is for. */
    NodeId target();
  }

  /**
   * Look up {@code target}'s presence record for the search {@code search}; answer with {@link
   * #handleRecord} or {@link #handleFailed}.
   */
  public record Lookup(long id, long search, NodeId target) implements Action {}

  /**
   * Open an authenticated connection (the QUIC handshake, the node id pinned) to {@code target}
   * at {@code address}; answer with {@link #handleConnected} or {@link #handleFailed}.
   *
   * @param shown the address people see for the path (a relayed one's relay)
   */
  public record Dial(long id, NodeId target, InetSocketAddress address, Rung rung, InetSocketAddress shown)
      implements Action {}

  /** Punch towards {@code target} through {@code record}'s introducers; answer with {@link #handlePunched} or {@link #handleFailed}. */
  public record Punch(long id, NodeId target, Presence record) implements Action {}

  /** Open a circuit to {@code target} through the relay {@code relayId} at {@code relay}; answer with {@link #handleRelayOpened} or {@link #handleFailed}. */
  public record OpenRelay(long id, NodeId target, InetSocketAddress relay, NodeId relayId) implements Action {}

  /** How a search ended. */
  public sealed interface Outcome permits Found, Failed {
    /** Return the search's id ({@link #find}'s answer). */
    long search();
  }

  /**
   * A path: {@code dialAddress} is where the connection goes (a relayed path's synthetic address),
   * {@code shownAddress} what people see; {@code upgrade}: a direct path that replaces a relayed one.
   */
  public record Found(long search, NodeId target, Rung rung, InetSocketAddress dialAddress,
      InetSocketAddress shownAddress, long timeToPathMs, boolean upgrade) implements Outcome {}

  /** No path: {@code reason} says what was tried. */
  public record Failed(long search, NodeId target, String reason) implements Outcome {}

  private enum Kind { LADDER, UPGRADE, RELAY_ONLY }

  private static final class Search {
    final long id;
    final NodeId target;
    final Kind kind;
    final long started;
    final List<Long> actions = new ArrayList<>();
    List<OpenRelay> relays = List.of();
    int relayNext;
    int directPending;
    boolean directDone;
    boolean relayStarted;
    boolean relayDone;
    String directFailure = "no endpoint to try";
    String relayFailure = "no relay";
    long relayAt = Long.MAX_VALUE;

    Search(long id, NodeId target, Kind kind, long started) {
      this.id = id;
      this.target = target;
      this.kind = kind;
      this.started = started;
    }
  }

  private static final class Upgrade {
    int round;
    long due;
    long search = -1;

    Upgrade(long due) {
      this.due = due;
    }
  }

  private final Predicate<InetAddress> dialable;
  private boolean punching;
  private boolean relaying;
  private long nextId = 1;
  private final Map<Long, Search> searches = new LinkedHashMap<>();
  private final Map<NodeId, Search> ladders = new HashMap<>();
  private final Map<Long, Action> pending = new HashMap<>();
  private final Map<Long, Search> searchOf = new HashMap<>();
  private final Map<NodeId, Upgrade> upgrades = new LinkedHashMap<>();
  private final ArrayDeque<Action> actions = new ArrayDeque<>();
  private final ArrayDeque<Outcome> outcomes = new ArrayDeque<>();

  /**
   * Make the engine; {@code dialable} says which addresses a record may make this node dial (a
   * record names any address it likes: the daemon dials private and loopback ones only on its own
   * link).
   */
  public PathEngine(Predicate<InetAddress> dialable) {
    this.dialable = dialable;
  }

  /** Punch from now on when a plan says so ({@code false}: the node has no punching). */
  public void punching(boolean on) {
    this.punching = on;
  }

  /** Use relays from now on ({@code false}: the node has none). */
  public void relaying(boolean on) {
    this.relaying = on;
  }

  /**
   * Search for a path to {@code target}; return the search's id, which its {@link Outcome} names.
   * A search for the same target already running is joined (its id is returned). A new search ends
   * the target's upgrade rounds.
   */
  public long find(NodeId target, long now) {
    Search running = ladders.get(target);
    if (running != null) {
      return running.id;
    }
    upgrades.remove(target);
    Search s = start(target, Kind.LADDER, now);
    if (s != null) {
      ladders.put(target, s);
    }
    return s == null ? nextId - 1 : s.id;
  }

  /**
   * Search for a relayed path only, through the first of the record's introducers that works,
   * whatever better path exists (for measurements); it starts no upgrade rounds.
   */
  public long findRelayed(NodeId target, long now) {
    Search s = start(target, Kind.RELAY_ONLY, now);
    return s == null ? nextId - 1 : s.id;
  }

  /** The path to {@code target} is gone: stop its upgrade rounds. */
  public void forget(NodeId target) {
    Upgrade u = upgrades.remove(target);
    if (u != null && u.search >= 0) {
      Search s = searches.get(u.search);
      if (s != null) {
        end(s);
      }
    }
  }

  /**
   * Return how long a stream opened over a path whose measured round trip is {@code rttMs}
   * (negative: unknown) may go without a single packet from the node before the path is taken for
   * dead: {@link #OPEN_SILENCE_RTTS} round trips, within [{@link #OPEN_SILENCE_FLOOR_MS}, {@link
   * #OPEN_SILENCE_CEILING_MS}]. A live node acknowledges the open within about one round trip, even
   * when its service is slow to answer.
   */
  public static long openSilenceMs(long rttMs) {
    if (rttMs < 0) {
      return OPEN_SILENCE_FLOOR_MS;
    }
    long wait = rttMs > OPEN_SILENCE_CEILING_MS ? OPEN_SILENCE_CEILING_MS : rttMs * OPEN_SILENCE_RTTS;
    return Math.max(OPEN_SILENCE_FLOOR_MS, Math.min(OPEN_SILENCE_CEILING_MS, wait));
  }

  private Search start(NodeId target, Kind kind, long now) {
    long id = nextId++;
    if (searches.size() >= MAX_SEARCHES) {
      outcomes.add(new Failed(id, target, "too many path searches in progress"));
      return null;
    }
    Search s = new Search(id, target, kind, now);
    searches.put(id, s);
    act(s, new Lookup(nextId++, id, target));
    return s;
  }

  private void act(Search s, Action a) {
    pending.put(a.id(), a);
    searchOf.put(a.id(), s);
    s.actions.add(a.id());
    actions.add(a);
  }

  private record Taken(Action action, Search search) {}

  /** Take action {@code id} out of the pending ones; empty if unknown or its search is over. */
  private Optional<Taken> take(long id) {
    Action a = pending.remove(id);
    Search s = searchOf.remove(id);
    if (a == null || s == null || !searches.containsKey(s.id)) {
      return Optional.empty();
    }
    s.actions.remove(id);
    return Optional.of(new Taken(a, s));
  }

  /**
   * The record the {@link Lookup} {@code id} found; {@code selfHard}: this node's own mapping is
   * endpoint-dependent without a port mapping ({@link NatCore#selfHard()}).
   */
  public void handleRecord(long id, Presence record, boolean selfHard, long now) {
    Optional<Taken> t = take(id);
    if (t.isEmpty() || !(t.get().action() instanceof Lookup)) {
      return;
    }
    Search s = t.get().search();
    if (s.kind != Kind.UPGRADE && (relaying || s.kind == Kind.RELAY_ONLY)) {
      s.relays = relays(s.target, record);
    }
    if (s.kind == Kind.RELAY_ONLY) {
      s.directDone = true;
      s.relayFailure = "node " + s.target + " lists no relay";
      startRelay(s, now);
      return;
    }
    PathLadder.Plan plan = PathLadder.plan(record, selfHard);
    plan.direct().forEach((address, kind) -> {
      if (s.directPending < MAX_DIALS && dialable.test(address.getAddress())) {
        s.directPending++;
        act(s, new Dial(nextId++, s.target, address, Rung.of(kind), address));
      }
    });
    if (punching && plan.punch()) {
      s.directPending++;
      act(s, new Punch(nextId++, s.target, record));
    }
    if (s.directPending == 0) {
      s.directDone = true;
      s.directFailure = "its record lists no endpoint";
    }
    if (s.relays.isEmpty()) {
      s.relayDone = true;
      check(s, now);
    } else if (s.directDone) {
      startRelay(s, now);
    } else {
      s.relayAt = now + plan.relayAfterMs();
    }
  }

  /** The {@link Punch} {@code id} opened a path to the target's {@code endpoint} ({@code rung}: how): dial it. */
  public void handlePunched(long id, InetSocketAddress endpoint, Rung rung, long now) {
    Optional<Taken> t = take(id);
    if (t.isPresent() && t.get().action() instanceof Punch p) {
      act(t.get().search(), new Dial(nextId++, p.target(), endpoint, rung, endpoint));
    }
  }

  /** The {@link OpenRelay} {@code id} opened a circuit, which {@code synthetic} stands for: dial it. */
  public void handleRelayOpened(long id, InetSocketAddress synthetic, long now) {
    Optional<Taken> t = take(id);
    if (t.isPresent() && t.get().action() instanceof OpenRelay o) {
      act(t.get().search(), new Dial(nextId++, o.target(), synthetic, Rung.RELAYED, o.relay()));
    }
  }

  /** The {@link Dial} {@code id} connected: the search has its path. */
  public void handleConnected(long id, long now) {
    Optional<Taken> t = take(id);
    if (t.isEmpty() || !(t.get().action() instanceof Dial d)) {
      return;
    }
    Search s = t.get().search();
    end(s);
    boolean upgrade = s.kind == Kind.UPGRADE;
    outcomes.add(new Found(s.id, s.target, d.rung(), d.address(), d.shown(), now - s.started, upgrade));
    if (upgrade) {
      upgrades.remove(s.target);
    } else if (s.kind == Kind.LADDER && d.rung() == Rung.RELAYED) {
      upgrades.put(s.target, new Upgrade(now + PathLadder.upgradeDelay(0).orElseThrow()));
    }
  }

  /** Action {@code id} failed for {@code reason}. */
  public void handleFailed(long id, String reason, long now) {
    Optional<Taken> t = take(id);
    if (t.isEmpty()) {
      return;
    }
    Search s = t.get().search();
    Action a = t.get().action();
    if (a instanceof Lookup) {
      fail(s, reason, now);
    } else if (a instanceof OpenRelay || a instanceof Dial d && d.rung() == Rung.RELAYED) {
      s.relayFailure = reason;
      nextRelay(s, now);
    } else {
      s.directFailure = reason;
      if (--s.directPending == 0) {
        s.directDone = true;
        startRelay(s, now);
        check(s, now);
      }
    }
  }

  /** Fire what is due at {@code now}: relay starts, search timeouts, upgrade rounds. */
  public void handleTimeout(long now) {
    for (Search s : new ArrayList<>(searches.values())) {
      if (now >= s.started + SEARCH_TIMEOUT_MS) {
        fail(s, "no path within " + SEARCH_TIMEOUT_MS / 1000 + " s", now);
      } else if (now >= s.relayAt) {
        startRelay(s, now);
      }
    }
    for (Map.Entry<NodeId, Upgrade> e : new ArrayList<>(upgrades.entrySet())) {
      Upgrade u = e.getValue();
      if (u.search < 0 && now >= u.due) {
        Search s = start(e.getKey(), Kind.UPGRADE, now);
        if (s == null) {
          outcomes.pollLast(); // no room now: the round is skipped, not reported
          nextRound(e.getKey(), u, now);
        } else {
          u.search = s.id;
        }
      }
    }
  }

  private void startRelay(Search s, long now) {
    if (s.relayStarted || s.relayDone || !searches.containsKey(s.id)) {
      return;
    }
    s.relayStarted = true;
    s.relayAt = Long.MAX_VALUE;
    nextRelay(s, now);
  }

  private void nextRelay(Search s, long now) {
    if (s.relayNext < s.relays.size()) {
      OpenRelay o = s.relays.get(s.relayNext++);
      act(s, new OpenRelay(nextId++, o.target(), o.relay(), o.relayId()));
      return;
    }
    s.relayDone = true;
    check(s, now);
  }

  /** End the search if every way it had failed. */
  private void check(Search s, long now) {
    if (!s.directDone || !s.relayDone || !searches.containsKey(s.id)) {
      return;
    }
    String node = "node " + s.target;
    String reason = switch (s.kind) {
      case RELAY_ONLY -> s.relayFailure;
      case UPGRADE -> "cannot reach " + node + ": " + s.directFailure;
      case LADDER -> s.relays.isEmpty() ? "cannot reach " + node + ": " + s.directFailure
          : "cannot reach " + node + " directly (" + s.directFailure + ") nor through a relay (" + s.relayFailure + ")";
    };
    fail(s, reason, now);
  }

  private void fail(Search s, String reason, long now) {
    end(s);
    if (s.kind == Kind.UPGRADE) {
      Upgrade u = upgrades.get(s.target);
      if (u != null && u.search == s.id) {
        nextRound(s.target, u, now);
      }
    } else {
      outcomes.add(new Failed(s.id, s.target, reason));
    }
  }

  private void nextRound(NodeId target, Upgrade u, long now) {
    OptionalLong delay = PathLadder.upgradeDelay(++u.round);
    if (delay.isEmpty()) {
      upgrades.remove(target);
    } else {
      u.search = -1;
      u.due = now + delay.getAsLong();
    }
  }

  private void end(Search s) {
    searches.remove(s.id);
    ladders.remove(s.target, s);
    for (long id : s.actions) {
      pending.remove(id);
      searchOf.remove(id);
    }
    s.actions.clear();
  }

  private List<OpenRelay> relays(NodeId target, Presence record) {
    List<OpenRelay> out = new ArrayList<>();
    for (Contact c : record.getIntroducersList()) {
      Optional<InetSocketAddress> at = Endpoints.fromWire(c.getEndpoint());
      Optional<NodeId> id = NodeId.tryOf(c.getId().toByteArray());
      if (at.isPresent() && id.isPresent() && out.size() < MAX_DIALS) {
        out.add(new OpenRelay(0, target, at.get(), id.get()));
      }
    }
    return out;
  }

  /** Return the next action to perform. */
  public Optional<Action> pollAction() {
    return Optional.ofNullable(actions.poll());
  }

  /** Return the next search outcome. */
  public Optional<Outcome> pollOutcome() {
    return Optional.ofNullable(outcomes.poll());
  }

  /** Return the earliest deadline: a relay start, a search timeout or an upgrade round. */
  public OptionalLong pollTimeout() {
    long min = Long.MAX_VALUE;
    for (Search s : searches.values()) {
      min = Math.min(min, Math.min(s.relayAt, s.started + SEARCH_TIMEOUT_MS));
    }
    for (Upgrade u : upgrades.values()) {
      if (u.search < 0) {
        min = Math.min(min, u.due);
      }
    }
    return min == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(min);
  }

  /** Return the searches in progress. */
  public int searchCount() {
    return searches.size();
  }

  /** Return the targets whose relayed path has upgrade rounds left. */
  public int upgradeCount() {
    return upgrades.size();
  }
}
