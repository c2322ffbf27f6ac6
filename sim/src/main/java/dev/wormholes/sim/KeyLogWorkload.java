package dev.wormholes.sim;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.people.Events;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogFetch;
import dev.wormholes.people.LogItems;
import dev.wormholes.people.LogResult;
import dev.wormholes.people.LogRounds;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Key logs kept in step through the run's DHT, on the daemon's schedule: every device of a
 * simulated person runs its own {@link LogRounds} (as {@code node/people/LogSync} does: a round
 * reads the records {@link LogRounds#reads} names, events are published again each period) and a new {@link LogRounds} when its node comes back from the
 * run's churn (a restarted daemon; a comeback is noticed at the device's next wake). {@code keylog.persons} persons, each on {@code keylog.devices}
 * nodes (one more node spare for a device add), each reading {@code keylog.contacts} other persons
 * chosen at random; every {@code keylog.change_mean_s} on average (exponential) a person's log
 * gets a real signed event ({@link Events}): a rotation, a device added, or a device removed
 * (made on a running device: a person with every device away skips the change).
 *
 * <p>The records are real: each device publishes a signed presence record naming its persona's
 * head ({@link LogItems#head}) through its DHT engine when its log changes, every {@link
 * PresenceRecords#REFRESH_MS} and when it comes back; a round's reads are real DHT GETs, and a
 * found record is judged with {@link LogItems#seen} and {@link LogItems#standing} against the log
 * the reader holds. A head {@link LogFetch#wants} is fetched as the daemon does: a {@link LogFetch}
 * names the item GETs (real GETs through the reader's DHT engine; the events are PUT as real
 * items, each once a period as {@link LogRounds#firstPublish} decides) and their retries, and the
 * head counts as seen when the fetch ends with a log past the held one.
 *
 * <p>With {@code keylog.push} (the default) the device that made a change pushes the new log, as
 * {@code LogSync} does, to the nodes {@link LogRounds#pushTargets} names: the person's other
 * devices, every device of each person reading it (contacts are mutual in the daemon; the pusher
 * is taken to hold their current logs) and a device the change removed. A push is one request
 * over the run's {@link NetworkModel} after a handshake round trip, its copies lost as the model
 * draws and sent again as QUIC would (after 1 s, then doubling) within the daemon's 15 s bound;
 * a copy that reaches a node the churn has taken away is lost. A contact's device that gets it
 * adopts the head by the pull's judgement ({@link LogItems#standing} {@code NEWER}). Without
 * {@code keylog.push} the figures are those of the pull path alone. Push copies draw from their
 * own random stream, so a run with and without pushes makes the same changes at the same times.
 */
final class KeyLogWorkload {
  private static final int SUB_SHIFT = 28;
  private static final int VALUE_MASK = (1 << SUB_SHIFT) - 1;
  private static final int TICK = 0;     // a device's LogRounds wake (value: device slot)
  private static final int CHANGE = 1;   // a person's log changes (value: person)
  private static final int REFRESH = 2;  // a device re-signs its record (value: device slot)
  private static final int PUSH = 3;     // a push reaches its target (value: index into inFlight)
  private static final int FETCH = 4;    // a fetch's retry is due (value: index into fetches)
  static final int LOOKUP = 5;           // a lookup by persona id starts or its retry is due (value: lookup)
  static final int FORGE = 6;            // the forger of device lists (re)publishes
  /** The daemon's bound on one push request ({@code LogSync.TIMEOUT_SECONDS}). */
  static final long PUSH_TIMEOUT_MS = 15_000;
  /** QUIC's first wait before sending a lost copy again; each next one doubles. */
  private static final long RETRANSMIT_MS = 1_000;
  /** Return the workload the scenario's {@code keylog.*} keys describe (lookups included), among the {@code honest} nodes. */
  static KeyLogWorkload of(Scenario sc, int[] honest) {
    KeyLogWorkload w = new KeyLogWorkload(sc.integer("keylog.persons"), sc.integer("keylog.devices"),
        sc.integer("keylog.contacts"), sc.lng("keylog.poll_s"), sc.lng("keylog.change_mean_s"), sc.lng("keylog.start_s") * 1000,
        sc.lng("keylog.duration_s") * 1000, honest, sc.random(0x4B4CL),
        Boolean.parseBoolean(sc.str("keylog.push")) ? sc.random(0x5055L) : null);
    w.lookups(sc.integer("keylog.lookups"), Boolean.parseBoolean(sc.str("keylog.lookup_forger")), sc.random(0x4C4BL));
    return w;
  }

  /** While a device is offline, how often it looks whether it is back. */
  private static final long OFFLINE_CHECK_MS = 5_000;

  private final int persons;
  private final long pollSeconds;
  private final double changeMeanMs;
  private final long start;
  private final long end;
  private final SplittableRandom random;
  private final int[] node;              // node of each device slot
  private final int[] personOf;          // person of each device slot
  private final int[][] slots;           // device slots of each person (the last one starts spare)
  private final boolean[] active;        // slot is a device in its person's log now
  private final int[][] contacts;        // persons each person reads
  private final int[][] readers;         // persons reading each person
  private final LogRounds[] rounds;      // per slot, null while not a device
  private final boolean[] wasOnline;
  private final long[] recordSeq;
  private final long[] tickAt;           // per slot: the time of its one live wake (older ones are ignored)
  private final long[] refreshAt;
  private final int[][] held;            // per slot: seq held of each contact (index into contacts[person])
  private final List<List<KeyLog>> versions = new ArrayList<>(); // per person: the log after each event
  private final Identity[] signer;
  private final Identity[] next;
  private final Map<Long, int[]> gets = new HashMap<>(); // (node, query id) -> {slot, contact}, or {slot, contact, fetch, seq}
  private final List<LogFetch> fetches = new ArrayList<>(); // null once ended
  private final List<int[]> fetchOf = new ArrayList<>(); // per fetch: {slot, contact}
  private final SplittableRandom pushRandom;             // null: no pushes (keylog.push = false)
  private KeyLogLookups lookups;                         // null: no lookups by persona id
  private final Map<NodeId, Integer> slotOf = new HashMap<>();
  private final List<int[]> inFlight = new ArrayList<>(); // pushes on their way: {person, seq, target slot}
  // Changes: per person, {seq, time} and per reader person first-seen time, online at the change, back time.
  private final List<List<long[]>> changes = new ArrayList<>();
  private final List<List<long[][]>> sightings = new ArrayList<>();
  private Identity[] identities;
  private InetSocketAddress[] addresses;
  private boolean[] online;
  private NatLayer.Dht dht;
  private NatLayer.Scheduler scheduler;
  private NetworkModel net;
  private long wallBase;
  private long networkId;
  // Counters.
  private long recordGets;
  private long ownGets;
  private long found;
  private long newer;
  private long recordPuts;
  private long itemPuts;
  private long restarts;
  private long roundsRun;
  private long changesSkipped;
  private long pushes;
  private long pushCopies;
  private long pushCopiesLost;
  private long pushesAway;
  private long pushesAdopted;
  private long fetchesStarted;
  private long fetchesAdopted;
  private long fetchesMissing;
  private long fetchesRefused;
  private long fetchesAway;
  private long itemGets;
  private long itemGetsMissed;
  private final long[] kinds = new long[3];

  KeyLogWorkload(int persons, int devices, int contactsEach, long pollSeconds, long changeMeanS, long startMs,
      long durationMs, int[] honest, SplittableRandom random, SplittableRandom pushRandom) {
    if (persons < 2 || devices < 1 || devices >= KeyLog.MAX_DEVICES) {
      throw new IllegalArgumentException("keylog needs 2 persons or more and 1.." + (KeyLog.MAX_DEVICES - 1) + " devices");
    }
    if (contactsEach < 1 || contactsEach >= persons) throw new IllegalArgumentException("keylog.contacts must be 1..persons-1");
    if ((long) persons * (devices + 1) > honest.length) throw new IllegalArgumentException("keylog needs persons x (devices + 1) honest nodes");
    this.persons = persons;
    this.pollSeconds = pollSeconds;
    this.changeMeanMs = changeMeanS * 1000.0;
    this.start = startMs;
    this.end = startMs + durationMs;
    this.random = random;
    this.pushRandom = pushRandom;
    int all = persons * (devices + 1);
    int[] order = honest.clone();
    for (int k = 0; k < all; k++) {
      int j = k + random.nextInt(order.length - k);
      int t = order[k]; order[k] = order[j]; order[j] = t;
    }
    node = Arrays.copyOf(order, all);
    personOf = new int[all];
    slots = new int[persons][devices + 1];
    active = new boolean[all];
    for (int p = 0; p < persons; p++) {
      for (int d = 0; d <= devices; d++) {
        int s = p * (devices + 1) + d;
        slots[p][d] = s;
        personOf[s] = p;
        active[s] = d < devices;
      }
    }
    contacts = new int[persons][];
    List<List<Integer>> rd = new ArrayList<>();
    for (int p = 0; p < persons; p++) rd.add(new ArrayList<>());
    for (int p = 0; p < persons; p++) {
      int[] others = new int[persons - 1];
      for (int q = 0, j = 0; q < persons; q++) if (q != p) others[j++] = q;
      for (int k = 0; k < contactsEach; k++) {
        int j = k + random.nextInt(others.length - k);
        int t = others[k]; others[k] = others[j]; others[j] = t;
        rd.get(others[k]).add(p);
      }
      contacts[p] = Arrays.copyOf(others, contactsEach);
    }
    readers = new int[persons][];
    for (int p = 0; p < persons; p++) readers[p] = rd.get(p).stream().mapToInt(Integer::intValue).toArray();
    rounds = new LogRounds[all];
    wasOnline = new boolean[all];
    recordSeq = new long[all];
    tickAt = new long[all];
    refreshAt = new long[all];
    held = new int[all][contactsEach];
    signer = new Identity[persons];
    next = new Identity[persons];
  }

  /**
   * Run {@code count} lookups by persona id ({@link KeyLogLookups}), with a forger of device lists
   * if {@code forger}; {@code lookupRandom} draws their persons, searchers and the forger's keys.
   */
  void lookups(int count, boolean forger, SplittableRandom lookupRandom) {
    if (count > 0) lookups = new KeyLogLookups(this, count, forger, lookupRandom);
  }

  int persons() {
    return persons;
  }

  NatLayer.Dht dht() {
    return dht;
  }

  long networkId() {
    return networkId;
  }

  long wall(long now) {
    return wallBase + now;
  }

  InetSocketAddress address(int i) {
    return addresses[i];
  }

  boolean online(int i) {
    return online[i];
  }

  /** Schedule this workload's event {@code kind} with {@code value} at {@code time}. */
  void at(long time, int kind, int value) {
    scheduler.at(time, kind << SUB_SHIFT | value);
  }

  /** Return an online node that is no device of any person, or -1. */
  int outsider() {
    for (int i = 0; i < identities.length; i++) if (online[i] && !member(i)) return i;
    return -1;
  }

  /** Return the node of a running device of a random person other than {@code p}, or -1 when that person has none. */
  int searcherFor(int p, SplittableRandom r) {
    int q = (p + 1 + r.nextInt(persons - 1)) % persons;
    for (int s : slots[q]) if (active[s] && online[node[s]] && rounds[s] != null) return node[s];
    return -1;
  }

  /** Return whether node {@code i} is one of this workload's devices (its identity signs records). */
  boolean member(int i) {
    for (int x : node) if (x == i) return true;
    return false;
  }

  /** Connect to the run; make every person's inception (signed by its first device's consent). */
  void attach(Identity[] ids, InetSocketAddress[] addrs, boolean[] onlineNodes, long wallBaseMs, long network,
      NatLayer.Dht runDht, NetworkModel model, NatLayer.Scheduler s) {
    this.identities = ids;
    this.addresses = addrs;
    this.online = onlineNodes;
    this.wallBase = wallBaseMs;
    this.networkId = network;
    this.dht = runDht;
    this.scheduler = s;
    this.net = model;
    for (int slot = 0; slot < node.length; slot++) slotOf.put(identities[node[slot]].id(), slot);
    for (int p = 0; p < persons; p++) {
      signer[p] = Identity.generate(random);
      next[p] = Identity.generate(random);
      byte[] inception = Events.inception(signer[p], Events.keyDigest(next[p].publicKey()),
          Events.device(identities[node[slots[p][0]]], signer[p].publicKey()));
      List<KeyLog> v = new ArrayList<>();
      v.add(((LogResult.Valid) KeyLog.verify(List.of(inception))).log());
      versions.add(v);
      changes.add(new ArrayList<>());
      sightings.add(new ArrayList<>());
      for (int d = 1; d < slots[p].length - 1; d++) append(p, Events.deviceAdd(log(p).state(), signer[p],
          Events.device(identities[node[slots[p][d]]], signer[p].publicKey())));
    }
  }

  /** Start every device's schedule at the workload's start and the persons' first changes. */
  void schedule() {
    for (int s = 0; s < node.length; s++) if (active[s]) wake(s, start);
    for (int p = 0; p < persons; p++) scheduler.at(start + nextChange(), CHANGE << SUB_SHIFT | p);
    if (lookups != null) lookups.schedule(start, end);
  }

  /** Return when the run's last change may come (the workload's end). */
  long endTime() {
    return end;
  }

  private long nextChange() {
    return Math.max(1, (long) (-Math.log(1 - random.nextDouble()) * changeMeanMs));
  }

  KeyLog log(int p) {
    List<KeyLog> v = versions.get(p);
    return v.get(v.size() - 1);
  }

  private void append(int p, byte[] event) {
    LogResult r = log(p).append(event);
    if (!(r instanceof LogResult.Valid valid)) throw new IllegalStateException("own event refused: " + r);
    versions.get(p).add(valid.log());
  }

  /** Handle one of this workload's events at {@code now}. */
  void dispatch(int index, long now) {
    int v = index & VALUE_MASK;
    switch (index >>> SUB_SHIFT) {
      case TICK: tick(v, now); break;
      case CHANGE: change(v, now); break;
      case REFRESH: refresh(v, now); break;
      case PUSH: pushArrived(v, now); break;
      case FETCH: driveFetch(v, now); break;
      case LOOKUP: lookups.run(v, now); break;
      case FORGE: lookups.forge(now); break;
      default: throw new IllegalStateException("unknown keylog event " + index);
    }
  }

  /** A device's wake: (re)start its schedule when its node (came back) online, run what is due. */
  private void tick(int s, long now) {
    if (!active[s] || now != tickAt[s]) return;
    int i = node[s];
    if (!online[i]) {
      wasOnline[s] = false;
      wake(s, now + OFFLINE_CHECK_MS);
      return;
    }
    long sec = now / 1000;
    if (!wasOnline[s]) {
      if (rounds[s] != null) {
        restarts++;
        backOnline(personOf[s], now);
      }
      wasOnline[s] = true;
      rounds[s] = new LogRounds(pollSeconds, sec);
      publish(s, now);
      refreshAt[s] = now + PresenceRecords.REFRESH_MS;
      scheduler.at(refreshAt[s], REFRESH << SUB_SHIFT | s);
    }
    LogRounds r = rounds[s];
    if (r.pollRepublish(sec)) publish(s, now);
    if (r.pollRound(sec)) round(s, now);
    wake(s, Math.max(now + 1, r.nextWake() * 1000));
  }

  private void wake(int s, long at) {
    tickAt[s] = at;
    scheduler.at(at, TICK << SUB_SHIFT | s);
  }

  /** One round: the records {@link LogRounds#reads} names (LogSync reads the same). */
  private void round(int s, long now) {
    roundsRun++;
    int p = personOf[s];
    List<Integer> idx = new ArrayList<>();
    for (int c = 0; c < contacts[p].length; c++) idx.add(c);
    for (LogRounds.Reads<Integer> r : rounds[s].reads(log(p).state(), identities[node[s]].id(), idx,
        c -> versions.get(contacts[p][c]).get(held[s][c]).state())) {
      int c = r.contact().orElse(-1);
      for (NodeId d : r.devices()) get(s, c, d, now);
      if (c < 0) ownGets += r.devices().size();
    }
  }

  private void get(int s, int contact, NodeId key, long now) {
    recordGets++;
    long qid = dht.get(node[s], key, now);
    gets.put(((long) node[s] << 32) ^ qid, new int[] {s, contact});
    dht.drain(node[s]);
  }

  /** A DHT query of node {@code origin} ended; return whether it was one of this workload's GETs. */
  boolean queryFinished(int origin, long qid, QueryResult result, long now) {
    if (lookups != null && lookups.queryFinished(origin, qid, result, now)) return true;
    int[] g = gets.remove(((long) origin << 32) ^ qid);
    if (g == null) return false;
    int s = g[0];
    int c = g[1];
    if (g.length == 4) {
      Optional<StoredValue> item = result instanceof QueryResult.Found hit ? Optional.of(hit.value()) : Optional.empty();
      if (item.isEmpty()) itemGetsMissed++;
      LogFetch fetch = fetches.get(g[2]);
      if (fetch != null) fetch.handleItem(g[3], item, now);
      driveFetch(g[2], now);
      return true;
    }
    if (c < 0 || !active[s] || !(result instanceof QueryResult.Found f)) return true;
    found++;
    Optional<Presence> record = DhtValues.parsePresence(f.value());
    Optional<LogItems.Seen> seen = record.flatMap(LogItems::seen);
    int q = contacts[personOf[s]][c];
    List<KeyLog> v = versions.get(q);
    if (seen.isEmpty() || !seen.get().persona().equals(v.get(0).state().persona())) return true;
    KeyLog holding = v.get(held[s][c]);
    if (!LogFetch.wants(holding, seen.get().head())) return true;
    newer++;
    fetchesStarted++;
    fetches.add(new LogFetch(record.get().getPublicKey().toByteArray(), seen.get().head().seq(), Optional.of(holding), now));
    fetchOf.add(new int[] {s, c});
    driveFetch(fetches.size() - 1, now);
    return true;
  }

  /** Perform what fetch {@code k} asks now (GETs through the reader's DHT engine, a wake when a retry is due); adopt its log. */
  private void driveFetch(int k, long now) {
    LogFetch f = fetches.get(k);
    if (f == null) return;
    int s = fetchOf.get(k)[0];
    int c = fetchOf.get(k)[1];
    if (f.outcome().isPresent()) {
      fetches.set(k, null);
      if (f.log().isEmpty()) {
        if (f.outcome().get() instanceof LogFetch.Missing) fetchesMissing++; else fetchesRefused++;
        return;
      }
      fetchesAdopted++;
      int seq = (int) f.log().get().state().seq();
      if (active[s] && seq > held[s][c]) { // as People.observe: only a log past the held one moves it
        held[s][c] = seq;
        saw(contacts[personOf[s]][c], personOf[s], seq, now);
      }
      return;
    }
    if (!online[node[s]]) { // the reader's daemon stopped: its fetch with it
      fetches.set(k, null);
      fetchesAway++;
      return;
    }
    List<Long> asks = f.pollGets(now);
    for (long seq : asks) {
      itemGets++;
      long qid = dht.get(node[s], f.key(seq), now);
      gets.put(((long) node[s] << 32) ^ qid, new int[] {s, c, k, (int) seq});
    }
    if (!asks.isEmpty()) dht.drain(node[s]);
    if (asks.isEmpty() && f.inFlight() == 0 && f.nextWake() != Long.MAX_VALUE) scheduler.at(f.nextWake(), FETCH << SUB_SHIFT | k);
  }

  /** Reader person {@code r} holds {@code q}'s log up to {@code seq}: first sightings of those changes. */
  private void saw(int q, int r, int seq, long now) {
    int ri = readerIndex(q, r);
    List<long[]> ch = changes.get(q);
    for (int k = 0; k < ch.size() && ch.get(k)[0] <= seq; k++) {
      long[] at = sightings.get(q).get(k)[ri];
      if (at[0] < 0) at[0] = now;
    }
  }

  private int readerIndex(int q, int r) {
    int[] rs = readers[q];
    for (int k = 0; k < rs.length; k++) if (rs[k] == r) return k;
    throw new IllegalStateException("not a reader");
  }

  /** A device of person {@code r} came back: the back time of every change it missed while all its devices were away. */
  private void backOnline(int r, long now) {
    for (int q : contacts[r]) {
      int ri = readerIndex(q, r);
      for (long[][] sight : sightings.get(q)) {
        long[] at = sight[ri];
        if (at[0] < 0 && at[1] == 0 && at[2] < 0) at[2] = now;
      }
    }
  }

  /** Person {@code p}'s log changes: a rotation, a device added (the spare) or one removed. */
  private void change(int p, long now) {
    if (now >= end) return;
    scheduler.at(now + nextChange(), CHANGE << SUB_SHIFT | p);
    if (!anyOnline(p)) {
      changesSkipped++; // a change is made on a running device
      return;
    }
    int devices = 0;
    int spare = -1;
    int maker = -1;
    int gone = -1;
    for (int s : slots[p]) {
      if (active[s]) devices++; else spare = s;
      if (maker < 0 && active[s] && online[node[s]]) maker = s;
    }
    double u = random.nextDouble();
    if (u < 1.0 / 3 && spare >= 0) {
      kinds[1]++;
      append(p, Events.deviceAdd(log(p).state(), signer[p], Events.device(identities[node[spare]], signer[p].publicKey())));
      active[spare] = true;
      wasOnline[spare] = false;
      rounds[spare] = null;
      Arrays.fill(held[spare], 0);
      for (int s : slots[p]) { // a new device gets the contacts its person's devices hold (pairing)
        if (s != spare && active[s]) for (int c = 0; c < held[s].length; c++) held[spare][c] = Math.max(held[spare][c], held[s][c]);
      }
      wake(spare, now);
    } else if (u < 2.0 / 3 && devices > 1) {
      kinds[2]++;
      for (int s : slots[p]) if (active[s] && (gone < 0 || random.nextBoolean())) gone = s;
      append(p, Events.deviceRemove(log(p).state(), signer[p], identities[node[gone]].id()));
      active[gone] = false;
    } else {
      kinds[0]++;
      Identity after = Identity.generate(random);
      append(p, Events.rotate(log(p).state(), next[p], Events.keyDigest(after.publicKey())));
      signer[p] = next[p];
      next[p] = after;
    }
    changes.get(p).add(new long[] {log(p).state().seq(), now});
    long[][] sight = new long[readers[p].length][];
    for (int k = 0; k < sight.length; k++) sight[k] = new long[] {-1, anyOnline(readers[p][k]) ? 1 : 0, -1};
    sightings.get(p).add(sight);
    for (int s : slots[p]) if (active[s] && online[node[s]] && rounds[s] != null) publish(s, now);
    if (pushRandom != null) push(p, maker, gone < 0 ? List.of() : List.of(identities[node[gone]].id()), now);
  }

  /** Device {@code from} of person {@code p} pushes the changed log to the nodes {@link LogRounds#pushTargets} names. */
  private void push(int p, int from, List<NodeId> alsoTell, long now) {
    KeyLog l = log(p);
    int bytes = l.encode().length;
    List<Integer> accepted = Arrays.stream(readers[p]).boxed().toList();
    for (NodeId t : LogRounds.pushTargets(l.state(), identities[node[from]].id(), accepted, r -> log(r).state(), alsoTell)) {
      int to = slotOf.get(t);
      pushes++;
      long at = now + 2 * net.delayMs(node[from], node[to]); // the handshake's round trip
      for (long wait = RETRANSMIT_MS; at < now + PUSH_TIMEOUT_MS; at += wait, wait *= 2) {
        pushCopies++;
        long arrival = net.arrival(node[from], node[to], bytes, at, pushRandom);
        if (arrival >= 0) {
          inFlight.add(new int[] {p, (int) l.state().seq(), to});
          scheduler.at(arrival, PUSH << SUB_SHIFT | (inFlight.size() - 1));
          break;
        }
        pushCopiesLost++;
      }
    }
  }

  /** A push reaches its target: a contact's running device adopts a {@code NEWER} head, as a round's read does. */
  private void pushArrived(int k, long now) {
    int[] f = inFlight.get(k);
    int p = f[0];
    int seq = f[1];
    int t = f[2];
    if (!online[node[t]]) {
      pushesAway++;
      return;
    }
    int r = personOf[t];
    if (!active[t] || r == p) return; // own devices share the person's log here; a removed one is only told
    int c = -1;
    for (int j = 0; j < contacts[r].length; j++) if (contacts[r][j] == p) c = j;
    List<KeyLog> v = versions.get(p);
    if (c < 0 || LogItems.standing(v.get(held[t][c]), v.get(seq).state().head()) != LogItems.Standing.NEWER) return;
    pushesAdopted++;
    held[t][c] = seq;
    saw(p, r, seq, now);
  }

  private boolean anyOnline(int r) {
    for (int s : slots[r]) if (active[s] && online[node[s]]) return true;
    return false;
  }

  private void refresh(int s, long now) {
    if (!active[s] || now != refreshAt[s]) return;
    if (!online[node[s]]) {
      wasOnline[s] = false; // the comeback publishes and schedules the next
      return;
    }
    publish(s, now);
    refreshAt[s] = now + PresenceRecords.REFRESH_MS;
    scheduler.at(refreshAt[s], REFRESH << SUB_SHIFT | s);
  }

  /** Publish the device's record with its persona's head and the events its schedule has not published this period. */
  private void publish(int s, long now) {
    int i = node[s];
    Identity device = identities[i];
    KeyLog l = log(personOf[s]);
    recordSeq[s] = Math.max(recordSeq[s] + 1, now + 1);
    dht.publish(i, PresenceRecords.of(device, recordSeq[s], wallBase + now, addresses[i], LogItems.head(l.state())), now);
    recordPuts++;
    if (lookups != null) { // where a persona id alone finds the devices (LogSync.publish)
      if (rounds[s].firstPublish("inception")) dht.publish(i, LogItems.inceptionItem(l), now);
      if (rounds[s].firstPublish("devices:" + l.state().seq() + ":" + l.state().head().text())) {
        dht.publish(i, LogItems.devicesItem(l.state(), networkId), now);
      }
    }
    for (int seq = 0; seq < l.size(); seq++) {
      String id = seq + ":" + java.util.HexFormat.of().formatHex(KeyLog.digest(l.event(seq)));
      if (rounds[s].firstPublish(id)) {
        LogItems.item(device, l, seq, networkId).ifPresent(v -> dht.publish(i, v, now));
        itemPuts++;
      }
    }
    dht.drain(i);
  }

  // ---------------------------------------------------------------- results

  /**
   * Add this workload's deterministic counters to {@code c}. A change is judged only if the run
   * lasted at least {@code horizonMs} after it (the run's drain, at most an hour), so one made at
   * the very end does not count as unseen.
   */
  void count(Simulation.Counters c, long runEndMs, long horizonMs) {
    List<Long> pair = new ArrayList<>();
    List<Long> all = new ArrayList<>();
    List<Long> catchUp = new ArrayList<>();
    long onlinePairs = 0;
    long withinHour = 0;
    long offlinePairs = 0;
    long offlineBack = 0;
    long offlineCaught = 0;
    long changesMade = 0;
    long changesAllSeen = 0;
    for (int p = 0; p < persons; p++) {
      for (int k = 0; k < changes.get(p).size(); k++) {
        long t = changes.get(p).get(k)[1];
        if (runEndMs - t < horizonMs) continue;
        changesMade++;
        long worst = 0;
        boolean everyone = true;
        for (long[] at : sightings.get(p).get(k)) {
          if (at[1] == 1) {
            onlinePairs++;
            if (at[0] >= 0) {
              pair.add(at[0] - t);
              worst = Math.max(worst, at[0] - t);
              if (at[0] - t <= 3_600_000L) withinHour++;
            } else {
              everyone = false;
            }
          } else {
            offlinePairs++;
            if (at[2] >= 0) {
              offlineBack++;
              if (at[0] >= 0) {
                offlineCaught++;
                catchUp.add(Math.max(0, at[0] - at[2]));
              }
            }
          }
        }
        if (everyone) {
          changesAllSeen++;
          all.add(worst);
        }
      }
    }
    long[] pt = sorted(pair);
    long[] at = sorted(all);
    long[] ct = sorted(catchUp);
    long pairs = 0;
    for (int[] cs : contacts) pairs += cs.length;
    double hours = Math.max(1, runEndMs - start) / 3_600_000.0;
    c.put("keylog.persons", persons);
    c.put("keylog.contact_pairs", pairs);
    c.put("keylog.changes", changesMade);
    c.put("keylog.changes_skipped_offline", changesSkipped);
    c.put("keylog.rotations", kinds[0]);
    c.put("keylog.device_adds", kinds[1]);
    c.put("keylog.device_removes", kinds[2]);
    c.put("keylog.rounds", roundsRun);
    c.put("keylog.restarts", restarts);
    c.put("keylog.record_gets", recordGets);
    c.put("keylog.record_gets_own_devices", ownGets);
    c.put("keylog.records_found", found);
    c.put("keylog.newer_heads", newer);
    c.put("keylog.fetches", fetchesStarted);
    c.put("keylog.fetches_adopted", fetchesAdopted);
    c.put("keylog.fetches_missing", fetchesMissing);
    c.put("keylog.fetches_refused", fetchesRefused);
    c.put("keylog.fetches_reader_away", fetchesAway);
    c.put("keylog.item_gets", itemGets);
    c.put("keylog.item_gets_missed", itemGetsMissed);
    c.put("keylog.record_puts", recordPuts);
    c.put("keylog.item_puts", itemPuts);
    c.put("keylog.push", pushRandom == null ? 0 : 1);
    c.put("keylog.pushes", pushes);
    c.put("keylog.push_copies", pushCopies);
    c.put("keylog.push_copies_lost", pushCopiesLost);
    c.put("keylog.pushes_target_away", pushesAway);
    c.put("keylog.pushes_adopted", pushesAdopted);
    c.put("keylog.contact_gets_per_contact_hour_x100", Math.round((recordGets - ownGets) * 100 / (pairs * hours)));
    c.put("keylog.online_pairs", onlinePairs);
    c.put("keylog.online_pairs_seen", pt.length);
    c.put("keylog.online_pairs_within_1h_permille", onlinePairs == 0 ? -1 : withinHour * 1000 / onlinePairs);
    c.put("keylog.seen_ms_p50", Measurements.percentile(pt, 50));
    c.put("keylog.seen_ms_p90", Measurements.percentile(pt, 90));
    c.put("keylog.seen_ms_p99", Measurements.percentile(pt, 99));
    c.put("keylog.changes_seen_by_all_online", changesAllSeen);
    c.put("keylog.all_seen_ms_p50", Measurements.percentile(at, 50));
    c.put("keylog.all_seen_ms_p90", Measurements.percentile(at, 90));
    c.put("keylog.all_seen_ms_p99", Measurements.percentile(at, 99));
    c.put("keylog.offline_pairs", offlinePairs);
    c.put("keylog.offline_pairs_back", offlineBack);
    c.put("keylog.offline_pairs_caught_up", offlineCaught);
    c.put("keylog.catch_up_ms_p50", Measurements.percentile(ct, 50));
    c.put("keylog.catch_up_ms_p90", Measurements.percentile(ct, 90));
    c.put("keylog.catch_up_ms_p99", Measurements.percentile(ct, 99));
    if (lookups != null) lookups.count(c);
  }

  private static long[] sorted(List<Long> xs) {
    long[] out = xs.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(out);
    return out;
  }
}
