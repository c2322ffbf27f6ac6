package dev.wormholes.mainline;

import dev.wormholes.proto.engine.Transmit;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A sans-I/O client of BitTorrent's mainline DHT (BEP 5): a small routing table, iterative
 * find_node / get_peers / BEP 44 get lookups, announce_peer and put after them, BEP 42 ids, BEP 43
 * read-only mode. It never touches a socket, a clock or a thread: time arrives as {@code now}
 * (monotonic ms), randomness from the {@link RandomGenerator} it is handed.
 *
 * <p><b>Driving it.</b> Inputs: {@link #handleDatagram} for each datagram that arrived, {@link
 * #handleTimeout} when {@code now >= pollTimeout()}, and commands ({@link #bootstrap}, {@link
 * #getPeers}, {@link #getItem}, {@link #putItem}, {@link #setReadOnly}). After <em>every</em> input
 * drain {@link #pollTransmit()} until null, then {@link #pollEvent()} until null, then re-arm the
 * timer from {@link #pollTimeout()} ({@code -1}: none). Not thread-safe: one thread drives it.
 *
 * <p><b>Budgets.</b> At most {@link MainlineConfig#maxLookups()} lookups at once, each at most
 * {@link MainlineConfig#maxQueriesPerLookup()} queries and {@link MainlineConfig#lookupTimeoutMs()};
 * every query waits for a token of a global bucket of {@link MainlineConfig#queriesPerSecond()};
 * at most 64 queries in flight. Answers to others are limited to {@link
 * MainlineConfig#answersPerSecond()}. A stored item or announce goes to at most k nodes.
 *
 * <p><b>Trust.</b> A response counts only if its transaction id is one we sent, to the address it
 * came from; anything else is dropped as {@link MainlineDrop#UNSOLICITED}. Only nodes that answered
 * us enter the table. BEP 44 items are verified (signature, key, salt, sizes) before a lookup keeps
 * them. Peer input never throws out of {@link #handleDatagram}: it is dropped and counted.
 *
 * <p><b>Answers.</b> Unless read-only, the engine answers ping, find_node, get_peers and get with
 * its closest nodes (and a token); it stores nothing, so announce_peer and put get error 204. An
 * answer to an address that has not answered one of our queries (is not in the table) is never
 * larger than the query: it carries fewer nodes, or is dropped as {@link MainlineDrop#WOULD_AMPLIFY}.
 * The driver charges each source a budget before the engine sees its datagram.
 */
public final class MainlineEngine {
  private static final int MAX_IN_FLIGHT = 64;
  private static final int MAX_NODES_PER_ANSWER = 16;
  private static final int MAX_PEERS_PER_ANSWER = 100;
  private static final int MAX_VOTERS = 32;

  private final MainlineConfig config;
  private final RandomGenerator random;
  private final byte[] tokenSecret;
  // Everything below is owned by the driving thread.
  private byte[] id;
  private RoutingTable table;
  private boolean readOnly;
  private final List<InetSocketAddress> routers = new ArrayList<>();
  private final Map<Integer, Request> inFlight = new HashMap<>();
  private final Map<Long, Lookup> lookups = new LinkedHashMap<>();
  private final ArrayDeque<Transmit> transmits = new ArrayDeque<>();
  private final ArrayDeque<MainlineEvent> events = new ArrayDeque<>();
  // BEP 42: who told us which external address (one vote per responder address).
  private final Map<InetSocketAddress, InetAddress> votes = new LinkedHashMap<>();
  private InetAddress external;
  private long nextLookupId = 1;
  private double sendTokens;
  private double answerTokens;
  private long lastRefill = Long.MIN_VALUE;
  private long nextBootstrap = -1;
  private long bootstrapLookup = -1;
  // Counters.
  private long datagramsIn;
  private long queriesSent;
  private long responses;
  private long errors;
  private long timeouts;
  private long answered;
  private long storesAcked;
  private final EnumMap<MainlineDrop, Long> drops = new EnumMap<>(MainlineDrop.class);

  private record Request(int txid, InetSocketAddress to, String method, Lookup lookup, Lookup.Candidate candidate,
      long deadline) {}

  /** Make an engine with a random id; {@code random} is its only source of randomness. */
  public MainlineEngine(MainlineConfig config, RandomGenerator random) {
    this.config = config;
    this.random = random;
    this.id = MainlineIds.random(random);
    this.tokenSecret = MainlineIds.random(random);
    this.table = new RoutingTable(id, config.k(), config.maxNodes());
    this.readOnly = config.readOnly();
    this.sendTokens = config.queriesPerSecond();
    this.answerTokens = config.answersPerSecond();
  }

  // ---- commands

  /**
   * Bootstrap from {@code routerAddresses} (routers are asked but never enter the table) and the
   * current table: a find_node lookup of our own id. Repeated every {@link
   * MainlineConfig#rebootstrapMs()} while the table holds fewer than k nodes. Return the lookup id.
   */
  public long bootstrap(List<InetSocketAddress> routerAddresses, long now) {
    routers.clear();
    routers.addAll(routerAddresses.subList(0, Math.min(routerAddresses.size(), 16)));
    bootstrapLookup = startBootstrap(now);
    return bootstrapLookup;
  }

  /**
   * Find peers for {@code infoHash} (get_peers); if {@code announcePort} is a port (1-65535) and
   * the engine is not read-only, announce that port to the k closest nodes that gave a token.
   * Return the lookup id; its end is a {@link MainlineEvent.PeersFound}.
   */
  public long getPeers(byte[] infoHash, int announcePort, long now) {
    Lookup l = newLookup(Lookup.Kind.GET_PEERS, infoHash, now, readOnly ? 0 : announcePort, null, null, null);
    return start(l, now);
  }

  /** Find the BEP 44 item of {@code publicKey} under {@code salt}. Its end is a {@link MainlineEvent.ItemFound}. */
  public long getItem(byte[] publicKey, byte[] salt, long now) {
    Lookup l = newLookup(Lookup.Kind.GET, MutableItem.target(publicKey, salt), now, 0, null, publicKey.clone(),
        salt.clone());
    return start(l, now);
  }

  /**
   * Store {@code item} (a get, then put to the k closest nodes with a token). Refused at once if the
   * item does not verify or is over BEP 44's limits. Its end is a {@link MainlineEvent.ItemFound}.
   */
  public long putItem(MutableItem item, long now) {
    if (!item.verify()) {
      long lid = nextLookupId++;
      events.add(new MainlineEvent.Refused(lid, "item does not verify or is over BEP 44's limits"));
      return lid;
    }
    Lookup l = newLookup(Lookup.Kind.GET, item.target(), now, 0, item, item.publicKey(), item.salt());
    return start(l, now);
  }

  /** Switch BEP 43 read-only mode: queries carry {@code ro}, no query is answered, nothing is announced. */
  public void setReadOnly(boolean ro) {
    this.readOnly = ro;
  }

  /**
   * Take {@code address} as our external address (from the node's own address discovery); if BEP
   * 42 binds ids to it, switch to such an id. Addresses from responses' {@code ip} fields count too
   * once two responders agree.
   */
  public void setExternalAddress(InetAddress address) {
    if (address.equals(external)) {
      return;
    }
    external = address;
    if (MainlineIds.bindsId(address) && !MainlineIds.isBep42(id, address.getAddress())) {
      byte[] newId = MainlineIds.bep42(address.getAddress(), random.nextInt(8), random);
      RoutingTable t = new RoutingTable(newId, config.k(), config.maxNodes());
      for (Compact.Node n : table.all()) {
        t.seen(n.id(), n.address(), 0);
      }
      id = newId;
      table = t;
      events.add(new MainlineEvent.IdChanged(id.clone(), address));
    }
  }

  // ---- inputs

  /** Handle a datagram from {@code from}. Never throws on its content. */
  public void handleDatagram(InetSocketAddress from, byte[] datagram, long now) {
    datagramsIn++;
    refill(now);
    Krpc.Decoded d = Krpc.decode(datagram);
    if (d instanceof Krpc.Decoded.Failed f) {
      drop(f.reason());
      return;
    }
    KrpcMessage m = ((Krpc.Decoded.Ok) d).message();
    if (m instanceof KrpcMessage.Query q) {
      answer(from, q, datagram.length);
    } else {
      Request r = m.txid().length == 2 ? inFlight.get(txidOf(m.txid())) : null;
      if (r == null || !r.to().equals(from)) {
        drop(MainlineDrop.UNSOLICITED);
        return;
      }
      inFlight.remove(r.txid());
      if (m instanceof KrpcMessage.Response resp) {
        onResponse(r, resp, now);
      } else {
        errors++;
        fail(r);
      }
    }
    advance(now);
  }

  /** Handle the timer: expire queries, end lookups, send what the budget allows. */
  public void handleTimeout(long now) {
    refill(now);
    List<Request> expired = new ArrayList<>();
    for (Request r : inFlight.values()) {
      if (now >= r.deadline()) {
        expired.add(r);
      }
    }
    for (Request r : expired) {
      inFlight.remove(r.txid());
      timeouts++;
      fail(r);
    }
    if (nextBootstrap >= 0 && now >= nextBootstrap && !lookups.containsKey(bootstrapLookup)) {
      nextBootstrap = -1;
      if (table.size() < config.k() && !routers.isEmpty()) {
        bootstrapLookup = startBootstrap(now);
      }
    }
    advance(now);
  }

  // ---- outputs

  /** Return the next datagram to send, or null. */
  public Transmit pollTransmit() {
    return transmits.poll();
  }

  /** Return the next event, or null. */
  public MainlineEvent pollEvent() {
    return events.poll();
  }

  /** Return when {@link #handleTimeout} is next due (monotonic ms), or -1 if nothing is pending. */
  public long pollTimeout() {
    long t = Long.MAX_VALUE;
    for (Request r : inFlight.values()) {
      t = Math.min(t, r.deadline());
    }
    for (Lookup l : lookups.values()) {
      t = Math.min(t, l.deadline);
    }
    if (!lookups.isEmpty() && sendTokens < 1 && lastRefill != Long.MIN_VALUE) {
      t = Math.min(t, lastRefill + (long) Math.ceil((1 - sendTokens) * 1000.0 / config.queriesPerSecond()));
    }
    if (nextBootstrap >= 0) {
      t = Math.min(t, nextBootstrap);
    }
    return t == Long.MAX_VALUE ? -1 : t;
  }

  // ---- getters

  /** Return our current 20-byte node id. */
  public byte[] id() {
    return id.clone();
  }

  /** Return the nodes in the routing table. */
  public int tableSize() {
    return table.size();
  }

  /** Return the nodes closest to {@code target}, at most {@code n}. */
  public List<Compact.Node> closest(byte[] target, int n) {
    return table.closest(target, n);
  }

  /** Return whether the engine is read-only (BEP 43). */
  public boolean isReadOnly() {
    return readOnly;
  }

  /** Return the external address we took, or null. */
  public InetAddress externalAddress() {
    return external;
  }

  /** Return the lookups running. */
  public int lookupsRunning() {
    return lookups.size();
  }

  /** Return a snapshot of the counters. */
  public MainlineStats stats() {
    return new MainlineStats(datagramsIn, queriesSent, responses, errors, timeouts, answered, storesAcked,
        Map.copyOf(drops));
  }

  // ---- lookups

  private long startBootstrap(long now) {
    Lookup l = newLookup(Lookup.Kind.BOOTSTRAP, id, now, 0, null, null, null);
    routers.forEach(l::offerRouter);
    return start(l, now);
  }

  private Lookup newLookup(Lookup.Kind kind, byte[] target, long now, int port, MutableItem put, byte[] key,
      byte[] salt) {
    return new Lookup(nextLookupId++, kind, target, now + config.lookupTimeoutMs(), port, put, key, salt, config);
  }

  private long start(Lookup l, long now) {
    if (lookups.size() >= config.maxLookups()) {
      events.add(new MainlineEvent.Refused(l.id, "too many mainline lookups running"));
      return l.id;
    }
    for (Compact.Node n : table.closest(l.target, 2 * config.k())) {
      l.offer(n.id(), n.address());
    }
    lookups.put(l.id, l);
    advance(now);
    return l.id;
  }

  // Send what every lookup may send now, then end the lookups that are done.
  private void advance(long now) {
    refill(now);
    for (Lookup l : lookups.values()) {
      while (sendTokens >= 1 && inFlight.size() < MAX_IN_FLIGHT) {
        Lookup.Candidate c = l.next(now);
        if (c == null) {
          break;
        }
        send(c.address, queryMethod(l), lookupArgs(l), l, c, now);
      }
    }
    List<Lookup> done = new ArrayList<>();
    for (Lookup l : lookups.values()) {
      if (l.done(now)) {
        done.add(l);
      }
    }
    for (Lookup l : done) {
      lookups.remove(l.id);
      finish(l, now);
    }
  }

  private void finish(Lookup l, long now) {
    switch (l.kind) {
      case BOOTSTRAP -> {
        events.add(new MainlineEvent.Bootstrapped(l.id, table.size(), l.queries()));
        if (table.size() < config.k() && !routers.isEmpty()) {
          nextBootstrap = now + config.rebootstrapMs();
        }
      }
      case GET_PEERS -> {
        int sent = 0;
        if (l.announcePort > 0 && l.announcePort <= 0xffff && !readOnly) {
          for (Lookup.Candidate c : l.storeTargets()) {
            Bencode.Dict a = Bencode.dict().put("id", id).put("info_hash", l.target).put("port", l.announcePort)
                .put("implied_port", 0).put("token", c.token).build();
            sent += store(c.address, "announce_peer", a, now) ? 1 : 0;
          }
        }
        events.add(new MainlineEvent.PeersFound(l.id, l.target.clone(), List.copyOf(l.peers), sent, l.queries()));
      }
      case GET -> {
        int sent = 0;
        if (l.toPut != null) {
          MutableItem it = l.toPut;
          for (Lookup.Candidate c : l.storeTargets()) {
            Bencode.DictBuilder a = Bencode.dict().put("id", id).put("k", it.publicKey()).put("seq", it.seq())
                .put("sig", it.signature()).put("token", c.token).put("v", decodeValue(it.value()));
            if (it.salt().length > 0) {
              a.put("salt", it.salt());
            }
            sent += store(c.address, "put", a.build(), now) ? 1 : 0;
          }
        }
        events.add(new MainlineEvent.ItemFound(l.id, l.target.clone(), l.best, sent, l.queries()));
      }
    }
  }

  // A store query after a lookup: outside the lookup's own budget, but inside the global one's burst.
  private boolean store(InetSocketAddress to, String method, Bencode.Dict args, long now) {
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      return false;
    }
    sendTokens = Math.max(sendTokens - 1, -config.queriesPerSecond());
    send(to, method, args, null, null, now);
    return true;
  }

  private static Bencode decodeValue(byte[] v) {
    return ((BencodeDecoder.Result.Ok) BencodeDecoder.decode(v)).value(); // verified by putItem
  }

  private static String queryMethod(Lookup l) {
    return switch (l.kind) {
      case BOOTSTRAP -> "find_node";
      case GET_PEERS -> "get_peers";
      case GET -> "get";
    };
  }

  private Bencode.Dict lookupArgs(Lookup l) {
    Bencode.DictBuilder b = Bencode.dict().put("id", id);
    return switch (l.kind) {
      case BOOTSTRAP -> b.put("target", l.target).build();
      case GET_PEERS -> b.put("info_hash", l.target).build();
      case GET -> b.put("target", l.target).build();
    };
  }

  private void send(InetSocketAddress to, String method, Bencode.Dict args, Lookup l, Lookup.Candidate c, long now) {
    int txid;
    do {
      txid = random.nextInt(0x10000);
    } while (inFlight.containsKey(txid));
    byte[] t = {(byte) (txid >>> 8), (byte) txid};
    inFlight.put(txid, new Request(txid, to, method, l, c, now + config.requestTimeoutMs()));
    if (l != null) {
      sendTokens -= 1;
    }
    queriesSent++;
    transmits.add(new Transmit(to, Krpc.query(t, method, args, readOnly)));
  }

  // ---- responses

  private void onResponse(Request r, KrpcMessage.Response resp, long now) {
    byte[] sender = resp.senderId();
    if (sender == null) {
      drop(MainlineDrop.BAD_RESPONSE);
      fail(r);
      return;
    }
    if (r.lookup() != null && r.lookup().kind == Lookup.Kind.GET && resp.body().get("v") != null
        && !acceptItem(r.lookup(), resp.body())) {
      fail(r);
      return;
    }
    responses++;
    table.seen(sender, r.to(), now);
    vote(r.to(), resp.observed());
    if (r.method().equals("announce_peer") || r.method().equals("put")) {
      storesAcked++;
    }
    Lookup l = r.lookup();
    if (l == null || !lookups.containsKey(l.id)) {
      return;
    }
    byte[] nodes = resp.body().bytes("nodes");
    if (nodes != null) {
      for (Compact.Node n : Compact.nodes(nodes, MAX_NODES_PER_ANSWER)) {
        if (!java.util.Arrays.equals(n.id(), id)) { // others hand us out too: never ask ourselves
          l.offer(n.id(), n.address());
        }
      }
    }
    if (l.kind == Lookup.Kind.GET_PEERS && resp.body().list("values") != null) {
      int taken = 0;
      for (Bencode v : resp.body().list("values").items()) {
        if (taken++ >= MAX_PEERS_PER_ANSWER) {
          break;
        }
        if (v instanceof Bencode.Bytes b && b.length() == Compact.PEER_BYTES) {
          InetSocketAddress p = Compact.peer(b.value(), 0);
          if (p != null) {
            l.addPeer(p);
          }
        }
      }
    }
    byte[] token = resp.body().bytes("token");
    l.onSuccess(r.candidate(), token != null && token.length <= 64 ? token : null);
  }

  // Check a BEP 44 item in a get response; keep it if it is the newest verified one.
  private boolean acceptItem(Lookup l, Bencode.Dict body) {
    byte[] k = body.bytes("k");
    byte[] sig = body.bytes("sig");
    Long seq = body.integer("seq");
    byte[] v = body.get("v").encode();
    if (v.length > MutableItem.MAX_VALUE) {
      drop(MainlineDrop.OVERSIZED_ITEM);
      return false;
    }
    if (l.expectedKey == null || k == null || sig == null || seq == null
        || !java.util.Arrays.equals(k, l.expectedKey)) {
      drop(MainlineDrop.FORGED_ITEM);
      return false;
    }
    MutableItem item = new MutableItem(k, l.salt, seq, v, sig);
    if (!item.verify()) {
      drop(MainlineDrop.FORGED_ITEM);
      return false;
    }
    if (l.best == null || item.seq() > l.best.seq()) {
      l.best = item;
    }
    return true;
  }

  private void fail(Request r) {
    table.failed(r.to());
    if (r.lookup() != null && r.candidate() != null) {
      r.lookup().onFailure(r.candidate());
    }
  }

  private void vote(InetSocketAddress responder, InetSocketAddress observed) {
    if (observed == null) {
      return;
    }
    if (votes.size() >= MAX_VOTERS && !votes.containsKey(responder)) {
      votes.remove(votes.keySet().iterator().next());
    }
    votes.put(responder, observed.getAddress());
    int agree = 0;
    for (InetAddress a : votes.values()) {
      agree += a.equals(observed.getAddress()) ? 1 : 0;
    }
    if (agree >= 2) {
      setExternalAddress(observed.getAddress());
    }
  }

  // ---- answering queries

  private void answer(InetSocketAddress from, KrpcMessage.Query q, int queryBytes) {
    if (readOnly) {
      drop(MainlineDrop.READ_ONLY);
      return;
    }
    if (answerTokens < 1) {
      drop(MainlineDrop.RATE_LIMITED);
      return;
    }
    // An address proves itself by answering one of our queries (it is then in the table); to any
    // other the answer is no larger than the query, so a spoofed source gains nothing.
    int limit = table.contains(from) ? Integer.MAX_VALUE : queryBytes;
    byte[] reply = reply(from, q, config.k());
    for (int n = config.k() - 1; reply.length > limit && n >= 0 && hasNodes(q); n--) {
      reply = reply(from, q, n);
    }
    if (reply.length > limit) {
      drop(MainlineDrop.WOULD_AMPLIFY);
      return;
    }
    answerTokens -= 1;
    answered++;
    transmits.add(new Transmit(from, reply));
  }

  private static boolean hasNodes(KrpcMessage.Query q) {
    return switch (q.method()) {
      case "find_node", "get", "get_peers" -> q.senderId() != null;
      default -> false;
    };
  }

  // The reply to q carrying at most n nodes where it carries nodes.
  private byte[] reply(InetSocketAddress from, KrpcMessage.Query q, int n) {
    byte[] target = switch (q.method()) {
      case "find_node", "get" -> q.args().bytes("target");
      case "get_peers" -> q.args().bytes("info_hash");
      default -> null;
    };
    if (q.senderId() == null) {
      return Krpc.error(q.txid(), Krpc.PROTOCOL_ERROR, "missing id");
    } else if (q.method().equals("ping")) {
      return Krpc.response(q.txid(), Bencode.dict().put("id", id).build(), from);
    } else if (target != null && target.length == MainlineIds.ID_BYTES) {
      Bencode.DictBuilder b = Bencode.dict().put("id", id)
          .put("nodes", Compact.nodes(table.closest(target, n)));
      if (!q.method().equals("find_node")) {
        b.put("token", token(from));
      }
      return Krpc.response(q.txid(), b.build(), from);
    } else if (target == null && (q.method().equals("announce_peer") || q.method().equals("put"))) {
      return Krpc.error(q.txid(), Krpc.METHOD_UNKNOWN, "this client stores nothing");
    } else if (target == null && !q.method().equals("find_node") && !q.method().equals("get")
        && !q.method().equals("get_peers")) {
      return Krpc.error(q.txid(), Krpc.METHOD_UNKNOWN, "method unknown");
    }
    return Krpc.error(q.txid(), Krpc.PROTOCOL_ERROR, "bad target");
  }

  private byte[] token(InetSocketAddress to) {
    return java.util.Arrays.copyOf(MainlineIds.sha1(tokenSecret, to.getAddress().getAddress()), 8);
  }

  // ---- small helpers

  private void refill(long now) {
    if (lastRefill == Long.MIN_VALUE) {
      lastRefill = now;
      return;
    }
    long dt = now - lastRefill;
    if (dt <= 0) {
      return;
    }
    lastRefill = now;
    sendTokens = Math.min(config.queriesPerSecond(), sendTokens + dt * config.queriesPerSecond() / 1000.0);
    answerTokens = Math.min(config.answersPerSecond(), answerTokens + dt * config.answersPerSecond() / 1000.0);
  }

  private void drop(MainlineDrop reason) {
    drops.merge(reason, 1L, Long::sum);
  }

  private static int txidOf(byte[] t) {
    return ((t[0] & 0xff) << 8) | (t[1] & 0xff);
  }
}
