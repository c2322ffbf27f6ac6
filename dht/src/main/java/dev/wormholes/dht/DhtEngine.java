package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.dht.Outstanding.Purpose;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.engine.WallClock;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * A sans-I/O Kademlia node (Maymounkov and Mazieres 2002, with S/Kademlia disjoint paths): the
 * routing table, iterative lookups, the value store protocol, tokens and anti-amplification. It
 * never touches a socket, a clock or a thread: time arrives as {@code now} (monotonic ms), wall
 * time through the {@link WallClock}, randomness from the {@link RandomGenerator} it is handed.
 *
 * <p><b>Driving it.</b> Feed it inputs: {@link #handleDatagram} for each datagram that arrived,
 * {@link #handleTimeout} when {@code now >= pollTimeout()}, and commands ({@link #bootstrap},
 * {@link #findNode}, {@link #get}, {@link #put}, {@link #publish}, {@link #addContact}). After
 * <em>every</em> input drain the outputs in this order: {@link #pollTransmit()} until null, {@link
 * #pollEvent()} until null, then read {@link #pollTimeout()} to re-arm the timer. Not thread-safe:
 * one thread drives an engine.
 *
 * <p><b>Trust.</b> {@code sender_id} is claimed: a contact enters the routing table only when it
 * answered a request of ours at its address with a key proof over the challenge that request
 * carried ({@link KeyProofs}: the key hashes to the id, so ids cost a key pair each, and with
 * {@link DhtConfig#idWorkBits()} a puzzle too), or when a trusted source adds it ({@link
 * #addContact}: a snapshot, a handshake-verified peer). Every request to a node outside the table
 * carries a challenge; an unknown requester is pinged back with one (rate-limited, and only once
 * its request proved its address with a token: {@link Admission}). Buckets and the table hold few
 * contacts per address prefix ({@link DhtConfig#maxPerPrefixPerBucket()}), so one host cannot
 * surround an id. A full bucket's
 * least-recently-seen contact is pinged, and replaced only if it fails. A contact leaves the table only after {@link
 * DhtConfig#maxFailures()} consecutive failures (requests lost together count once), or after one
 * when a replacement is waiting; a lookup still treats a timed-out peer as failed. Responses are
 * matched by txid and source address; one arriving within {@link DhtConfig#lateResponseGraceMs()}
 * after its timeout credits the contact ({@link DropReason#LATE_RESPONSE}). Peer input never throws out of {@link #handleDatagram}: bad datagrams are dropped and
 * counted by {@link DropReason} in {@link #stats()}.
 *
 * <p><b>Values.</b> Every value is checked with the {@link ValueValidator} before it is stored,
 * served or returned by a GET; a newer seq replaces an older one ({@link DhtValues#supersedes}),
 * expired values are swept. The originator re-puts what it {@link #publish}ed every {@link
 * DhtConfig#republishMs()}; holders re-put each value once, when it is {@link
 * DhtConfig#replicateMs()} old, to the current k closest, with its age, so that it still expires
 * {@link DhtConfig#valueTtlMs()} after its publisher last stored it ({@link Responder} has the
 * holder's rules). GETs and PUTs use {@link DhtConfig#valueDisjointPaths()} disjoint paths.
 *
 * <p><b>Randomness.</b> The {@link RandomGenerator} draws transaction ids, challenges and the token
 * secret, which an attacker must not predict: a daemon hands in a {@code SecureRandom}, a
 * simulation a seeded generator (determinism).
 *
 * <p><b>Read-only mode</b> (BEP 43; libp2p Kademlia's client mode), for a node that cannot be
 * reached unsolicited ({@link DhtConfig#readOnly()}, {@link #setReadOnly}): every request it sends
 * carries {@code read_only}, it answers no request ({@link DropReason#READ_ONLY}), and it keeps its
 * own routing table as usual. A node receiving a read-only request answers it as any other, but
 * never pings its sender back and removes it from its table if it holds it at that address, so it
 * is never returned to others.
 *
 * <p><b>Ids without the work.</b> A datagram whose sender id lacks {@link DhtConfig#idWorkBits()}
 * is dropped ({@link DropReason#ID_WORK}) unless it is a read-only request: that one is answered
 * like any read-only request (cut to the request's size until its address is proven, no ping-back,
 * never admitted to the table, so never returned to others; a PUT passes the same token, closeness,
 * per-source quota and capacity checks as anyone's, which never looked at the sender id). So a node
 * whose stored identity predates the work can still use the network as a client: its engine must
 * be read-only ({@link DhtConfig#readOnly()}) and stays so ({@link #hasIdWork()}).
 */
public final class DhtEngine {
  private static final long OBSERVED_REPEAT_MS = 60_000;
  private static final int MAX_SEEDS = 64;
  private static final int SEED_PING_ATTEMPTS = 3;
  /**
   * The size of a ping to a seed (padded so that the seed's answer with its key proof fits under
   * the seed's anti-amplification limit): what a datagram that names a seed must be at least, for
   * the ping it buys to amplify nothing.
   */
  public static final int SEED_PING_BYTES = Wire.MIN_CHALLENGED_REQUEST;

  // Immutable wiring.
  private final NodeId selfId;
  private final ByteString selfIdBytes;
  private final DhtConfig config;
  private final RandomGenerator random;
  private final WallClock wall;
  private final ValueValidator validator;
  private final ValueStore store;
  private final RoutingTable table;
  private final AddressTokens tokens;
  private final Responder responder;
  private final AddressTables.RateLimiter rateLimiter;
  private final DhtStats stats = new DhtStats();
  private final Admission admission;

  // Outputs, drained by poll*: datagrams through the sender, events here.
  private final Sender sender;
  private final ArrayDeque<DhtEvent> events = new ArrayDeque<>(2);

  // Whether the timers are armed (on the first input, which brings the first `now`).
  private boolean started;

  // Requests in flight by txid, and timed-out ones awaiting a late answer.
  private final Requests requests;
  // Running queries by id, in start order; null when none.
  private LinkedHashMap<Long, Query> queries;
  private long nextQueryId = 1;
  // Refresh, republication, replication and expiry, and their queue of lookups.
  private final Maintenance maintenance;

  // The last bootstrap's seeds, pinged again by the refresh timer if the table ever runs empty.
  private List<InetSocketAddress> seeds = List.of();
  private InetSocketAddress lastObserved;
  private long lastObservedAt;
  // Whether our id meets the network's work; without it we stay read-only.
  private final boolean idWork;

  /**
   * Create an engine for {@code self}. {@code store} may already hold values (a restart); the
   * engine keeps using it. Nothing is sent until the first input. Throws IllegalArgumentException
   * if {@code self}'s id lacks {@link DhtConfig#idWorkBits()} and {@code config} is not {@link
   * DhtConfig#readOnly()}: peers drop all but the read-only requests of such an id.
   */
  public DhtEngine(Identity self, DhtConfig config, RandomGenerator random, WallClock wall,
      ValueValidator validator, ValueStore store) {
    this.idWork = KeyProofs.meetsWork(self.id(), config.idWorkBits());
    if (!idWork && !config.readOnly()) {
      throw new IllegalArgumentException("our id " + self.id() + " lacks the network's " + config.idWorkBits()
          + " bits of id work: peers would drop all but our read-only requests (run read-only, or"
          + " KeyProofs.grind makes an id that has them)");
    }
    this.selfId = self.id();
    this.selfIdBytes = ByteString.copyFrom(selfId.toBytes());
    this.config = Objects.requireNonNull(config);
    this.random = Objects.requireNonNull(random);
    this.wall = Objects.requireNonNull(wall);
    this.validator = Objects.requireNonNull(validator);
    this.store = Objects.requireNonNull(store);
    this.table = new RoutingTable(selfId, config.k(), config.replacementCacheSize(), config.maxFailures());
    this.requests = new Requests(config.lateResponseSlots(), config.lateResponseGraceMs(), config.requestTimeoutMs(),
        config.maxRequestTimeoutMs());
    this.tokens = new AddressTokens(random);
    this.table.limitPrefixes(config.maxPerPrefixPerBucket(), config.maxPerPrefixInTable());
    this.responder = new Responder(config, self, table, store, tokens, validator, wall, stats);
    this.rateLimiter = new AddressTables.RateLimiter(config.rateLimiterSlots(), config.maxRequestsPerSecondPerSource());
    this.admission = new Admission(table, config.pingBacksPerSecond(), stats);
    this.sender = new Sender(config, random, table, requests, stats, selfIdBytes);
    this.maintenance = new Maintenance(selfId, config, random, wall, validator, store, table, tokens, stats,
        new Maintenance.Starter() {
          @Override public boolean hasSeeds() {
            return !seeds.isEmpty();
          }

          @Override public void bootstrap(long now) {
            startBootstrap(seeds, true, SEED_PING_ATTEMPTS, now);
          }

          @Override public void findNode(NodeId target, long now) {
            startQuery(Query.Kind.FIND_NODE, target, null, true, now);
          }

          @Override public void put(NodeId key, StoredValue value, long ageMs, long now) {
            startQuery(Query.Kind.PUT, key, value, ageMs, true, now);
          }
        });
  }

  // ------------------------------------------------------------------------------------------
  // Inputs

  /** Handle a datagram that arrived from {@code from}. Never throws on its content. */
  public void handleDatagram(InetSocketAddress from, byte[] datagram, long now) {
    start(now);
    stats.datagramsIn++;
    stats.bytesIn += datagram == null ? 0 : datagram.length;
    if (from == null || from.getAddress() == null) {
      stats.drop(DropReason.BAD_BODY);
      return;
    }
    Wire.Result r = Wire.decode(datagram, config.networkId(), selfId);
    if (r.dropped() != null) {
      stats.drop(r.dropped());
      return;
    }
    if (!KeyProofs.meetsWork(r.decoded().sender(), config.idWorkBits())) { // one SHA-256, before anything else
      Packet p = r.decoded().packet();
      if (!p.getReadOnly() || !Wire.isRequest(p)) {
        stats.drop(DropReason.ID_WORK);
        return;
      }
      stats.requestsBelowWork++; // a client: answered, never admitted (see the class doc)
    }
    try {
      if (Wire.isRequest(r.decoded().packet())) {
        handleRequest(from, r.decoded(), datagram.length, now);
      } else {
        handleResponse(from, r.decoded(), now);
      }
    } catch (RuntimeException e) {
      // A bug, not bad input (decoding already refused that): count it and keep the node serving.
      stats.handlerErrors++;
    }
  }

  /** Handle timers: call when {@code now >= pollTimeout()}. */
  public void handleTimeout(long now) {
    start(now);
    expireRequests(now);
    maintenance.onTimeout(now);
  }

  // ------------------------------------------------------------------------------------------
  // Commands

  /**
   * Join through {@code seeds}: ping each (their ids are learned from the answers), then look up
   * our own id, then refresh the buckets farther away. Return the query id; the result is a {@link
   * QueryResult.Nodes}. Contacts already in the table (a snapshot) are used as well. The seeds are
   * remembered: the refresh timer pings them again whenever the table runs empty.
   */
  public long bootstrap(Collection<InetSocketAddress> seeds, long now) {
    return bootstrap(seeds, true, now);
  }

  /**
   * Like {@link #bootstrap(Collection, long)}; with {@code remember} false each seed is pinged
   * once, by this bootstrap only (no retry, never again by the refresh timer): for seeds nobody
   * vouches for (a LAN announce), so that one unauthenticated datagram buys at most one ping.
   */
  public long bootstrap(Collection<InetSocketAddress> seeds, boolean remember, long now) {
    start(now);
    List<InetSocketAddress> usable = new ArrayList<>();
    for (InetSocketAddress seed : seeds) {
      if (usable.size() < MAX_SEEDS && seed.getAddress() != null && !usable.contains(seed)) usable.add(seed);
    }
    if (remember && !usable.isEmpty()) this.seeds = List.copyOf(usable);
    return startBootstrap(usable, false, remember ? SEED_PING_ATTEMPTS : 1, now).id;
  }

  private Query startBootstrap(List<InetSocketAddress> seeds, boolean maintenance, int attempts, long now) {
    Query q = newQuery(Query.Kind.BOOTSTRAP, selfId, maintenance, now);
    q.seedPingAttempts = attempts;
    for (InetSocketAddress seed : seeds) {
      q.seedPingsInFlight++;
      pingSeed(q, seed, 0, now);
    }
    if (q.seedPingsInFlight == 0) startLookup(q, now);
    return q;
  }

  private void pingSeed(Query q, InetSocketAddress seed, int attempt, long now) {
    Outstanding o = sender.request(seed, null, Purpose.SEED_PING, q,
        Packet.newBuilder().setPing(Ping.getDefaultInstance()), null, false, now);
    o.attempt = attempt;
  }

  /**
   * Add a contact from a trusted source (a routing snapshot, LAN discovery, the simulator's
   * oracle). If its bucket is full it becomes a replacement candidate and the bucket's
   * least-recently-seen contact is pinged.
   */
  public void addContact(Contact c, long now) {
    start(now);
    if (!KeyProofs.meetsWork(c.id(), config.idWorkBits())) {
      stats.contactsBelowWork++;
      return;
    }
    offer(config.contactInterner().intern(c), now);
  }

  /**
   * Switch read-only mode (see the class doc), e.g. when the node learns whether its NAT filters
   * strangers. On a change, PING every routing-table contact with the new mode, as libp2p pushes a
   * protocol change to connected peers: turned on, they drop us; turned off, they ping us back.
   * An engine whose id lacks the work ({@link #hasIdWork()}) stays read-only: turning it off does
   * nothing.
   */
  public void setReadOnly(boolean on, long now) {
    start(now);
    if (on == sender.readOnly() || (!on && !idWork)) return;
    sender.readOnly(on);
    for (Contact c : table.all()) {
      stats.readOnlyAnnouncements++;
      sender.request(c.address(), c, Purpose.ANNOUNCE, null, Packet.newBuilder().setPing(Ping.getDefaultInstance()),
          null, false, now);
    }
  }

  /** Look up the k nodes closest to {@code target}; the result is a {@link QueryResult.Nodes}. */
  public long findNode(NodeId target, long now) {
    start(now);
    return startQuery(Query.Kind.FIND_NODE, target, null, false, now).id;
  }

  /**
   * Look up the value under {@code key}: the highest-seq value that passes the validator, from
   * the whole lookup, except that an immutable value ends it at once and a mutable one once every
   * disjoint path is settled on it and no answer disputed it ({@link DhtConfig#getQuorum()} says
   * when a path is settled and what that trades). Result: {@link QueryResult.Found} or {@link QueryResult.NotFound}.
   */
  public long get(NodeId key, long now) {
    start(now);
    return startQuery(Query.Kind.GET, key, null, false, now).id;
  }

  /**
   * Store {@code value} at the k nodes closest to its key ({@link DhtValues#keyOf}). Result: {@link
   * QueryResult.Stored}. Throw {@link IllegalArgumentException} if the value is malformed or fails
   * the validator (an application error, not peer input).
   */
  public long put(StoredValue value, long now) {
    start(now);
    NodeId key = checkedKey(value);
    return startQuery(Query.Kind.PUT, key, value, false, now).id;
  }

  /**
   * Publish this node's own value (presence record or own mutable item): keep it in the local
   * store, put it now, and re-put it every {@link DhtConfig#republishMs()} until it expires or a
   * value with a newer seq is published under the same key, which replaces it. Throw like {@link
   * #put}.
   */
  public long publish(StoredValue value, long now) {
    start(now);
    NodeId key = checkedKey(value);
    maintenance.publish(key, value);
    StoredValue held = store.get(key);
    if (held == null || DhtValues.supersedes(value, held) || held.getKindCase() != value.getKindCase()) {
      store.put(key, value, wall.millis());
    }
    return startQuery(Query.Kind.PUT, key, value, false, now).id;
  }

  private NodeId checkedKey(StoredValue value) {
    NodeId key = DhtValues.keyOf(value)
        .orElseThrow(() -> new IllegalArgumentException("malformed value: no key can be derived"));
    ValueCheck check = validator.check(key, value, wall.millis());
    if (!check.ok()) throw new IllegalArgumentException("value fails validation: " + check);
    return key;
  }

  // ------------------------------------------------------------------------------------------
  // Outputs

  /** Return the next datagram to send, or null when none. */
  public Transmit pollTransmit() {
    return sender.poll();
  }

  /** Return the earliest deadline at which {@link #handleTimeout} must be called, or Long.MAX_VALUE. */
  public long pollTimeout() {
    long t = Long.MAX_VALUE;
    if (!started) return t;
    t = maintenance.nextDeadline();
    return Math.min(t, Math.min(requests.nextDeadline(), requests.lateDeadline()));
  }

  /** Return the next event, or null when none. */
  public DhtEvent pollEvent() {
    return events.poll();
  }

  // ------------------------------------------------------------------------------------------
  // Getters

  /** Return this node's id. */
  public NodeId id() {
    return selfId;
  }

  /** Return every routing-table contact, in bucket order (for snapshots and {@code peers}). */
  public List<Contact> contacts() {
    return table.all();
  }

  /** Return the number of routing-table contacts. */
  public int contactCount() {
    return table.size();
  }

  /** Return up to {@code n} routing-table contacts closest to {@code target}, closest first. */
  public List<Contact> closest(NodeId target, int n) {
    return table.closest(target, n);
  }

  /** Return the value store. */
  public ValueStore store() {
    return store;
  }

  /** Return the counters. */
  public DhtStats stats() {
    return stats;
  }

  /** Return the configuration. */
  public DhtConfig config() {
    return config;
  }

  /** Return whether the engine is read-only now ({@link #setReadOnly}). */
  public boolean isReadOnly() {
    return sender.readOnly();
  }

  /**
   * Return whether this node's id meets the network's {@link DhtConfig#idWorkBits()}; without it
   * the engine is read-only for good (see the class doc).
   */
  public boolean hasIdWork() {
    return idWork;
  }

  /** Return the number of queries running, maintenance included. */
  public int runningQueries() {
    return queries == null ? 0 : queries.size();
  }

  /** Return the number of requests waiting for a response. */
  public int outstandingRequests() {
    return requests.size();
  }

  RoutingTable table() {
    return table;
  }

  Requests requests() {
    return requests;
  }

  // ------------------------------------------------------------------------------------------
  // Serving requests

  private void handleRequest(InetSocketAddress from, Wire.Decoded req, int length, long now) {
    stats.requestsIn++;
    if (sender.readOnly()) {
      stats.drop(DropReason.READ_ONLY);
      return;
    }
    if (!rateLimiter.allow(from, now)) {
      stats.drop(DropReason.RATE_LIMITED);
      return;
    }
    byte[] response = responder.respond(from, req, length, now);
    if (response != null) sender.send(from, response);
    Packet p = req.packet();
    boolean addressProven = !p.getToken().isEmpty() && tokens.valid(from, p.getToken());
    if (p.getReadOnly()) {
      Contact check = admission.onReadOnlyRequest(req.sender(), from, addressProven, now);
      // The check goes to a proven address, but a spoofer picks when: never more bytes than it sent.
      if (check != null && length >= Wire.MIN_UNVALIDATED_REQUEST) ping(check, Purpose.READ_ONLY_CHECK, now);
      return;
    }
    Contact pingBack = admission.onRequest(req.sender(), from, addressProven, now);
    if (pingBack != null) ping(pingBack, Purpose.PING_BACK, now);
  }

  // ------------------------------------------------------------------------------------------
  // Responses and timeouts of our requests

  private void handleResponse(InetSocketAddress from, Wire.Decoded resp, long now) {
    Packet p = resp.packet();
    Outstanding o = requests.take(p.getTxid(), from, now);
    if (o == null) {
      lateResponse(from, resp, now);
      return;
    }
    if (o.expect != null && !o.expect.equals(resp.sender())) {
      // Someone else answers at that address: the contact we meant is not there.
      stats.drop(DropReason.UNEXPECTED_RESPONSE);
      onFailure(o, now);
      return;
    }
    stats.responsesIn++;
    sender.tokenFrom(from, p.getToken(), now);
    Contact peer = o.contact != null ? o.contact : new Contact(resp.sender(), from);
    observed(peer, p, now);
    admit(o, peer, p, now);
    switch (o.purpose) {
      case LOOKUP -> onLookupResponse(o, peer, p, now);
      case PUT -> onPutResponse(o, p, now);
      case SEED_PING -> onSeedDone(o.query, now);
      case EVICTION_PING -> table.evictionResult(o.contact, true);
      case PING_BACK, REPAIR, ANNOUNCE -> { }
    }
  }

  // An answer after the timeout: its query already counted the failure, but the contact is alive
  // (queues, not death, delay answers under load), so it is credited: seen now, failures reset.
  private void lateResponse(InetSocketAddress from, Wire.Decoded resp, long now) {
    Outstanding o = requests.takeLate(resp.packet().getTxid(), from, now);
    if (o == null || (o.expect != null && !o.expect.equals(resp.sender()))) {
      stats.drop(DropReason.UNEXPECTED_RESPONSE);
      return;
    }
    stats.drop(DropReason.LATE_RESPONSE);
    sender.tokenFrom(from, resp.packet().getToken(), now);
    admit(o, o.contact != null ? o.contact : new Contact(resp.sender(), from), resp.packet(), now);
  }

  // A contact held already, or waiting as a replacement at that address, is seen again (at its
  // held address only: RoutingTable.offer); any other enters only with a valid proof over the
  // challenge our request carried.
  private void admit(Outstanding o, Contact peer, Packet p, long now) {
    if (table.find(peer.id()) != null || table.isReplacement(peer.id(), peer.address())) {
      offer(peer, now);
      return;
    }
    if (o.challenge == null) return;
    if (!p.hasProof() || !KeyProofs.verify(p.getProof(), peer.id(), config.networkId(), o.challenge, selfId)) {
      stats.proofsRefused++;
      return;
    }
    stats.proofsVerified++;
    offer(config.contactInterner().intern(peer), now);
  }

  private void onLookupResponse(Outstanding o, Contact peer, Packet p, long now) {
    Query q = o.query;
    q.responses++;
    if (q.finished) return;
    if (p.hasError()) {
      q.lookup.onFailure(peer);
      drive(q, now);
      return;
    }
    List<Contact> closer;
    if (p.hasValueResponse()) {
      closer = Wire.contacts(p.getValueResponse().getNodesList());
      if (q.kind == Query.Kind.GET && p.getValueResponse().hasValue()) {
        q.offerValue(peer, q.lookup.pathOf(peer.id()), p.getValueResponse().getValue(), q.lookup.depth(peer.id()),
            validator, wall.millis());
      }
    } else if (p.hasNodes()) {
      closer = Wire.contacts(p.getNodes().getNodesList());
    } else {
      closer = new ArrayList<>(0);
    }
    if (config.idWorkBits() > 0) {
      int named = closer.size();
      closer.removeIf(c -> !KeyProofs.meetsWork(c.id(), config.idWorkBits()));
      stats.contactsBelowWork += named - closer.size();
    }
    closer.removeIf(c -> !q.admitAddress(c, config.maxPerPrefixPerBucket()));
    if (q.tokens != null && !p.getToken().isEmpty()) q.tokens.put(peer.id(), p.getToken());
    // A cut answer that still carries a value is kept as it is: near the key, the value is what
    // counts. Otherwise its contacts (the closest its sender knows) are used at once, and the
    // sender is asked again for the rest with the token it gave, once.
    boolean hasValue = p.hasValueResponse() && p.getValueResponse().hasValue();
    if (p.getTruncated() && !hasValue && !o.retried && !p.getToken().isEmpty()) {
      stats.truncatedRetries++;
      q.lookup.onPartial(peer, closer);
      sender.request(o.to, o.contact, Purpose.LOOKUP, q, q.lookupRequest(), p.getToken(), true, now);
      drive(q, now);
      return;
    }
    q.lookup.onSuccess(peer, closer);
    if (q.kind == Query.Kind.GET && q.best != null && q.best.hasImmutable()) {
      finish(q, new QueryResult.Found(q.best, q.stats(q.bestDepth, now)), now);
      return;
    }
    drive(q, now);
  }

  // Read repair (Kademlia section 2.3's caching, BEP 44's "store the newest"): put the best value
  // to each of the k closest responders that returned an older one or none.
  private void repair(Query q, List<Contact> closest, long now) {
    for (Contact c : closest) {
      StoredValue had = q.returned.get(c.id());
      ByteString token = q.tokens.get(c.id());
      if (token == null || (had != null && had.equals(q.best))) continue;
      stats.repairs++;
      sender.request(c.address(), c, Purpose.REPAIR, null,
          Packet.newBuilder().setPutValue(PutValue.newBuilder().setValue(q.best)), token, false, now);
    }
  }

  private void onPutResponse(Outstanding o, Packet p, long now) {
    Query q = o.query;
    q.responses++;
    q.putsInFlight--;
    if (p.hasPutAck()) q.acks++;
    if (!q.finished) drive(q, now);
  }

  private void onSeedDone(Query q, long now) {
    q.seedPingsInFlight--;
    if (!q.finished && q.seedPingsInFlight == 0 && q.lookup == null) startLookup(q, now);
  }

  private void expireRequests(long now) {
    requests.sweepLate(now);
    for (Outstanding o = requests.pollExpired(now); o != null; o = requests.pollExpired(now)) {
      stats.timeouts++;
      if (o.query != null) o.query.timeouts++;
      onFailure(o, now);
    }
  }

  private void onFailure(Outstanding o, long now) {
    if (o.purpose == Purpose.READ_ONLY_CHECK) {
      // It said read-only and now answers nothing: it is what it said (a read-only node answers no request).
      if (table.remove(o.contact)) stats.readOnlyRemovals++;
      return;
    }
    if (o.purpose == Purpose.EVICTION_PING) {
      boolean wasThere = table.find(o.expect) != null;
      table.evictionResult(o.contact, false);
      if (wasThere && table.find(o.expect) == null) stats.evictions++;
      return;
    }
    if (o.expect != null && table.onFailure(o.expect, o.failuresAtSend)) stats.evictions++;
    Query q = o.query;
    switch (o.purpose) {
      case LOOKUP -> {
        q.lookup.onFailure(o.contact);
        if (!q.finished) drive(q, now);
      }
      case PUT -> {
        q.putsInFlight--;
        if (!q.finished) drive(q, now);
      }
      case SEED_PING -> {
        if (o.attempt + 1 < q.seedPingAttempts && !q.finished) pingSeed(q, o.to, o.attempt + 1, now);
        else onSeedDone(q, now);
      }
      default -> { }
    }
  }

  private void offer(Contact c, long now) {
    Contact head = table.offer(c);
    if (head != null) ping(head, Purpose.EVICTION_PING, now);
  }

  private void ping(Contact c, Purpose purpose, long now) {
    sender.request(c.address(), c, purpose, null, Packet.newBuilder().setPing(Ping.getDefaultInstance()), null, false, now);
  }

  private void observed(Contact by, Packet p, long now) {
    if (!p.hasObserved()) return;
    InetSocketAddress a = Wire.address(p.getObserved());
    if (a == null) return;
    if (a.equals(lastObserved) && now - lastObservedAt < OBSERVED_REPEAT_MS) return;
    lastObserved = a;
    lastObservedAt = now;
    events.add(new DhtEvent.AddressObserved(by, a));
  }

  // ------------------------------------------------------------------------------------------
  // Queries

  private Query newQuery(Query.Kind kind, NodeId target, boolean maintenance, long now) {
    Query q = new Query(nextQueryId++, kind, target, maintenance, now);
    if (queries == null) queries = new LinkedHashMap<>();
    queries.put(q.id, q);
    stats.lookupsStarted++;
    return q;
  }

  private Query startQuery(Query.Kind kind, NodeId target, StoredValue value, boolean maintenance, long now) {
    return startQuery(kind, target, value, 0, maintenance, now);
  }

  private Query startQuery(Query.Kind kind, NodeId target, StoredValue value, long ageMs, boolean maintenance,
      long now) {
    Query q = newQuery(kind, target, maintenance, now);
    if (kind == Query.Kind.PUT) {
      q.value = value;
      q.ageMs = ageMs;
      q.tokens = new HashMap<>();
    } else if (kind == Query.Kind.GET) {
      q.tokens = new HashMap<>();
      q.returned = new HashMap<>();
    }
    startLookup(q, now);
    return q;
  }

  private void startLookup(Query q, long now) {
    int d = q.kind == Query.Kind.GET || q.kind == Query.Kind.PUT
        ? Math.max(config.disjointPaths(), config.valueDisjointPaths()) : config.disjointPaths();
    boolean awaitRest = q.kind == Query.Kind.GET || q.kind == Query.Kind.PUT;
    q.lookup = new ClosestLookup(q.target, selfId, table.closest(q.target, config.k()), config.k(), config.alpha(), d,
        awaitRest);
    table.touch(q.target, now);
    if (q.target.equals(selfId)) maintenance.selfLookedUp(now);
    drive(q, now);
  }

  // Send what the lookup (or store phase) allows, and finish the query when it is done.
  private void drive(Query q, long now) {
    if (q.lookup == null) return;
    if (q.storing) {
      if (q.putsInFlight == 0) {
        finish(q, new QueryResult.Stored(q.acks, q.putTargets, q.stats(q.lookup.hops(), now)), now);
      }
      return;
    }
    if (q.kind == Query.Kind.GET && !q.lookup.isFinished() && q.mutableAgreed(config.getQuorum(), q.lookup.pathCount())) {
      // Enough holders agree (DhtConfig.getQuorum): repair the responders that returned another
      // value, and abandon the rest of the lookup.
      List<Contact> others = q.lookup.result();
      others.removeIf(c -> q.returned.get(c.id()) == null);
      repair(q, others, now);
      stats.getsEndedByQuorum++;
      finish(q, new QueryResult.Found(q.best, q.stats(q.bestDepth, now)), now);
      return;
    }
    // A mutable GET's settled paths wait while the others settle, and its stalled paths stay at
    // alpha while it may end on agreement (Query.pauses, Query.narrow).
    IntPredicate paused = q.kind == Query.Kind.GET
        ? p -> q.pauses(p, config.getQuorum(), q.lookup.pathCount()) : p -> false;
    boolean wide = !q.narrow(config.getQuorum(), q.lookup.pathCount());
    for (Contact c = q.lookup.next(now, paused, wide); c != null; c = q.lookup.next(now, paused, wide)) {
      sender.request(c.address(), c, Purpose.LOOKUP, q, q.lookupRequest(), null, false, now);
    }
    if (q.lookup.isFinished()) lookupDone(q, now);
  }

  private void lookupDone(Query q, long now) {
    List<Contact> closest = q.lookup.result();
    switch (q.kind) {
      case FIND_NODE -> finish(q, new QueryResult.Nodes(closest, q.stats(q.lookup.hops(), now)), now);
      case BOOTSTRAP -> {
        finish(q, new QueryResult.Nodes(closest, q.stats(q.lookup.hops(), now)), now);
        maintenance.refreshBuckets(now, true);
      }
      case GET -> {
        if (q.best != null) repair(q, closest, now);
        finish(q, q.best != null
            ? new QueryResult.Found(q.best, q.stats(q.bestDepth, now))
            : new QueryResult.NotFound(closest, q.stats(q.lookup.hops(), now)), now);
      }
      case PUT -> startStoring(q, closest, now);
    }
  }

  private void startStoring(Query q, List<Contact> closest, long now) {
    q.storing = true;
    q.putTargets = new ArrayList<>(closest.size());
    for (Contact c : closest) {
      ByteString token = q.tokens.get(c.id());
      if (token == null) continue;
      q.putTargets.add(c);
      q.putsInFlight++;
      sender.request(c.address(), c, Purpose.PUT, q,
          Packet.newBuilder().setPutValue(PutValue.newBuilder().setValue(q.value).setAgeMs(q.ageMs)), token, false, now);
    }
    q.tokens = null;
    drive(q, now);
  }

  private void finish(Query q, QueryResult result, long now) {
    if (q.finished) return;
    q.finished = true;
    queries.remove(q.id);
    if (queries.isEmpty()) queries = null;
    stats.lookupsFinished++;
    if (!q.maintenance) {
      events.add(new DhtEvent.QueryFinished(q.id, result));
    } else {
      maintenance.finished(now);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Timers (Maintenance arms and fires them)

  private void start(long now) {
    if (started) return;
    started = true;
    maintenance.arm(now);
  }

  /** Return the number of maintenance jobs waiting for a slot. */
  int maintenanceQueued() {
    return maintenance.queued();
  }
}
