package dev.wormholes.sim;

import com.google.protobuf.ByteString;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogItems;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.PersonaLookup;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Lookups of a person's devices by persona id alone ({@code request PERSONA_ID}) in {@link
 * KeyLogWorkload}'s run, as {@code node/people/LogSync.devices} drives {@link PersonaLookup}: the
 * GETs of the inception and the device list, of each candidate's record, and the item GETs the
 * engine names, all real GETs through the searcher's DHT engine (a running device of another
 * person); a retry's wake on the run's clock. Every device publishes the inception item and the
 * device list as the daemon does (only in runs with lookups). With {@code keylog.lookup_forger} a
 * forger (a node no person uses) overwrites every person's list with {@link KeyLog#MAX_DEVICES}
 * devices of its own whose records claim head seq {@code MAX_EVENTS - 1} and which publish no item,
 * and keeps them alive every {@link PresenceRecords#REFRESH_MS}.
 */
final class KeyLogLookups {
  private static final int INCEPTION = 0;
  private static final int LIST = 1;
  private static final int RECORD = 2;
  private static final int ITEM = 3;

  /** One lookup: its person, searcher node, engine, and the GETs it asked. */
  private static final class Lookup {
    final int person;
    int searcher = -1;
    long startedAt;
    PersonaLookup engine;
    Optional<StoredValue> inception;
    Optional<StoredValue> list;
    int valuesIn;
    List<NodeId> candidates = List.of();
    final List<PersonaLookup.Get> asked = new ArrayList<>();
    long wakeAt = -1;

    Lookup(int person) {
      this.person = person;
    }
  }

  private final KeyLogWorkload w;
  private final int count;
  private final boolean forger;
  private final SplittableRandom random;
  private final List<Lookup> lookups = new ArrayList<>();
  private final Map<Long, int[]> gets = new HashMap<>(); // (node, query id) -> {lookup, kind, index}
  private Identity[][] fakes; // per person, the forger's devices
  private int forgerNode = -1;
  // Counters.
  private long skipped;
  private long current;
  private long older;
  private long firstDevice;
  private long none;
  private long forgedPuts;
  private final List<Long> itemGets = new ArrayList<>();
  private final List<Long> times = new ArrayList<>();

  KeyLogLookups(KeyLogWorkload w, int count, boolean forger, SplittableRandom random) {
    this.w = w;
    this.count = count;
    this.forger = forger;
    this.random = random;
  }

  /** Schedule the lookups evenly over the last nine tenths of [start, end), and the forger's first PUTs at start. */
  void schedule(long start, long end) {
    int persons = w.persons();
    if (forger) {
      fakes = new Identity[persons][KeyLog.MAX_DEVICES];
      for (Identity[] f : fakes) {
        for (int k = 0; k < f.length; k++) f[k] = Identity.generate(random);
      }
      w.at(start, KeyLogWorkload.FORGE, 0);
    }
    long from = start + (end - start) / 10;
    for (int k = 0; k < count; k++) {
      lookups.add(new Lookup(random.nextInt(persons)));
      w.at(from + (end - from) * k / count, KeyLogWorkload.LOOKUP, k);
    }
  }

  /** The forger (re)publishes its devices' records and every person's list naming them. */
  void forge(long now) {
    if (forgerNode < 0 || !w.online(forgerNode)) {
      forgerNode = w.outsider();
    }
    if (forgerNode >= 0) {
      for (int p = 0; p < fakes.length; p++) {
        PersonaId persona = w.log(p).state().persona();
        List<NodeId> ids = new ArrayList<>();
        for (Identity f : fakes[p]) {
          byte[] digest = new byte[32];
          random.nextBytes(digest);
          PersonaHead claim = PersonaHead.newBuilder().setPersona(ByteString.copyFrom(persona.toBytes()))
              .setSeq(KeyLog.MAX_EVENTS - 1).setDigest(ByteString.copyFrom(digest)).build();
          w.dht().publish(forgerNode, PresenceRecords.of(f, now + 1, w.wall(now), w.address(forgerNode), claim), now);
          ids.add(f.id());
        }
        w.dht().publish(forgerNode, LogItems.devicesItem(persona, 1_000_000, ids, w.networkId()), now);
        forgedPuts += ids.size() + 1;
      }
      w.dht().drain(forgerNode);
    }
    if (now < w.endTime()) w.at(now + PresenceRecords.REFRESH_MS, KeyLogWorkload.FORGE, 0);
  }

  /** Lookup {@code k}'s start, or a wake for its retry. */
  void run(int k, long now) {
    Lookup l = lookups.get(k);
    if (l.engine != null) {
      if (now == l.wakeAt) drive(k, now);
      return;
    }
    l.searcher = w.searcherFor(l.person, random);
    if (l.searcher < 0) {
      skipped++;
      return;
    }
    l.startedAt = now;
    l.engine = new PersonaLookup(w.log(l.person).state().persona());
    get(k, INCEPTION, 0, l.engine.inceptionKey(), now);
    get(k, LIST, 0, l.engine.listKey(), now);
    w.dht().drain(l.searcher);
  }

  private void get(int k, int kind, int index, NodeId key, long now) {
    int node = lookups.get(k).searcher;
    long qid = w.dht().get(node, key, now);
    gets.put(((long) node << 32) ^ qid, new int[] {k, kind, index});
  }

  /** A DHT query ended; return whether it was one of the lookups'. */
  boolean queryFinished(int origin, long qid, QueryResult result, long now) {
    int[] g = gets.remove(((long) origin << 32) ^ qid);
    if (g == null) return false;
    Lookup l = lookups.get(g[0]);
    Optional<StoredValue> v = result instanceof QueryResult.Found f ? Optional.of(f.value()) : Optional.empty();
    switch (g[1]) {
      case INCEPTION, LIST -> {
        if (g[1] == INCEPTION) l.inception = v; else l.list = v;
        if (++l.valuesIn == 2) {
          l.candidates = l.engine.handleValues(l.inception, l.list);
          for (int c = 0; c < l.candidates.size(); c++) get(g[0], RECORD, c, l.candidates.get(c), now);
          w.dht().drain(l.searcher);
          drive(g[0], now); // no candidate: ended
        }
      }
      case RECORD -> {
        l.engine.handleRecord(l.candidates.get(g[2]), v.flatMap(DhtValues::parsePresence));
        drive(g[0], now);
      }
      default -> {
        l.engine.handleItem(l.asked.get(g[2]), v, now);
        drive(g[0], now);
      }
    }
    return true;
  }

  // Performs what lookup k's engine asks now; counts its outcome once it ends.
  private void drive(int k, long now) {
    Lookup l = lookups.get(k);
    if (l.engine.outcome().isPresent() && l.wakeAt == Long.MIN_VALUE) return; // counted already
    List<PersonaLookup.Get> asks = l.engine.pollGets(now);
    for (PersonaLookup.Get a : asks) {
      l.asked.add(a);
      get(k, ITEM, l.asked.size() - 1, a.key(), now);
    }
    if (!asks.isEmpty()) w.dht().drain(l.searcher);
    if (l.engine.outcome().isPresent()) {
      ended(l, now);
    } else if (asks.isEmpty() && l.engine.inFlight() == 0 && l.engine.nextWake() != Long.MAX_VALUE) {
      l.wakeAt = l.engine.nextWake();
      w.at(l.wakeAt, KeyLogWorkload.LOOKUP, k);
    }
  }

  private void ended(Lookup l, long now) {
    l.wakeAt = Long.MIN_VALUE;
    List<NodeId> devices = l.engine.outcome().get();
    KeyLog log = w.log(l.person);
    if (devices.equals(List.copyOf(log.state().devices().keySet()))) {
      current++;
    } else if (l.engine.foundLog()) {
      older++;
    } else if (devices.isEmpty()) {
      none++;
    } else {
      firstDevice++;
    }
    itemGets.add((long) l.engine.itemGets());
    times.add(now - l.startedAt);
  }

  /** Add the lookups' counters to {@code c}. */
  void count(Simulation.Counters c) {
    long[] g = itemGets.stream().mapToLong(Long::longValue).sorted().toArray();
    long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
    c.put("keylog.lookups", count);
    c.put("keylog.lookup_forger", forger ? 1 : 0);
    c.put("keylog.lookups_skipped", skipped);
    c.put("keylog.lookups_ended", g.length);
    c.put("keylog.lookups_current", current);
    c.put("keylog.lookups_older_log", older);
    c.put("keylog.lookups_first_device_only", firstDevice);
    c.put("keylog.lookups_none", none);
    c.put("keylog.lookup_item_gets", Arrays.stream(g).sum());
    c.put("keylog.lookup_item_gets_max", g.length == 0 ? 0 : g[g.length - 1]);
    c.put("keylog.lookup_ms_p50", Measurements.percentile(t, 50));
    c.put("keylog.lookup_ms_p99", Measurements.percentile(t, 99));
    c.put("keylog.forged_puts", forgedPuts);
  }
}
