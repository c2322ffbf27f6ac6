package dev.wormholes.node.networks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtConfig;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.dht.DhtEvent;
import dev.wormholes.dht.MemoryValueStore;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.dht.Rejoin;
import dev.wormholes.nat.node.PresencePolicy;
import dev.wormholes.networks.Member;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterSync;
import dev.wormholes.node.runtime.LoopTimer;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.StoredValue;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * One private network on the node: its roster, its own DHT engine (routing table and store apart
 * from every other network's), its presence records, and one timer. The engine is driven like
 * {@code UdpRuntime} drives the public one (drain every output after each input, re-arm the timer
 * from {@code pollTimeout}); its datagrams leave through {@code send}, which seals them. The value
 * validator takes presence records only of this network and only of roster members. Event loop
 * only.
 */
final class PrivateNetwork {

  final String name;
  private final Identity identity;
  private final EventLoop loop;
  private final BiConsumer<InetSocketAddress, byte[]> send;
  private final List<InetSocketAddress> lan;
  private final LoopTimer timer;
  private final Map<Long, CompletableFuture<QueryResult>> pending = new HashMap<>();
  private final List<InetSocketAddress> seeds = new ArrayList<>();
  /** Who is sent the roster when, when to ask for it, and whom to answer. */
  final RosterSync sync;
  /** Pushes in progress by {@link RosterSync.Send.Push#push}: per receiver the datagrams of round 0, sent again later. */
  final Map<Long, Map<NodeId, Sealed>> pushed = new HashMap<>();

  /** Datagrams sealed for the node at {@code to}. */
  record Sealed(InetSocketAddress to, List<byte[]> datagrams) {}
  private Roster roster;
  private DhtEngine engine;
  private PresencePolicy presence;
  private final Rejoin rejoin = new Rejoin(2_000, 30_000, 0);
  private boolean closed;

  PrivateNetwork(String name, Roster roster, Identity identity, EventLoop loop, List<InetSocketAddress> lan,
      BiConsumer<InetSocketAddress, byte[]> send) {
    this.name = name;
    this.roster = roster;
    this.identity = identity;
    this.loop = loop;
    this.lan = lan;
    this.send = send;
    this.sync = new RosterSync(identity.id(), cookieSecret());
    this.timer = new LoopTimer(loop, this::onTimer);
    this.engine = newEngine();
    this.presence = new PresencePolicy(identity, roster.id().wireId(), lan);
  }

  private static byte[] cookieSecret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  private DhtEngine newEngine() {
    long wire = roster.id().wireId();
    ValueValidator base = ValueValidator.forNetwork(wire);
    ValueValidator membersOnly = (key, value, wall) -> {
      ValueCheck c = base.check(key, value, wall);
      return c == ValueCheck.OK && value.hasPresence() && !roster.isMember(key) ? ValueCheck.WRONG_NETWORK : c;
    };
    return new DhtEngine(identity, DhtConfig.builder().networkId(wire).build(), new SecureRandom(),
        System::currentTimeMillis, membersOnly, new MemoryValueStore());
  }

  Roster roster() {
    return roster;
  }

  DhtEngine engine() {
    return engine;
  }

  /** Add {@code addresses} to the seeds the network joins (and rejoins) through. */
  void addSeeds(List<InetSocketAddress> addresses, long now) {
    for (InetSocketAddress a : addresses) {
      if (!seeds.contains(a) && seeds.size() < 64) {
        seeds.add(a);
      }
    }
    rejoin.soon(now);
    housekeep(now);
  }

  /**
   * Take a newer roster. If it removed members, start a fresh engine with the contacts that are
   * still members (the removed leave every routing table and their records every store at once).
   */
  void setRoster(Roster next, long now) {
    boolean removed = roster.members().keySet().stream().anyMatch(id -> !next.isMember(id));
    roster = next;
    if (removed) {
      List<Contact> keep = engine.contacts().stream().filter(c -> next.isMember(c.id())).toList();
      failPending();
      engine = newEngine();
      presence = new PresencePolicy(identity, roster.id().wireId(), lan);
      for (Contact c : keep) {
        engine.addContact(c, now);
        if (!seeds.contains(c.address())) {
          seeds.add(0, c.address());
        }
      }
      rejoin.soon(now);
      housekeep(now);
    }
  }

  /** A DHT datagram of this network, already opened and from a member. */
  void handleDatagram(InetSocketAddress from, byte[] packet, long now) {
    engine.handleDatagram(from, packet, now);
    drain(now);
  }

  /** Start a query on the loop; complete with its result. */
  CompletableFuture<QueryResult> query(java.util.function.ToLongBiFunction<DhtEngine, Long> start) {
    CompletableFuture<QueryResult> f = new CompletableFuture<>();
    long now = MonotonicClock.now();
    pending.put(start.applyAsLong(engine, now), f);
    drain(now);
    return f;
  }

  /** Join, rejoin while the table is thin, publish the presence record when due. */
  void housekeep(long now) {
    if (closed) {
      return;
    }
    switch (rejoin.poll(engine.contactCount(), engine.config().k(), !seeds.isEmpty(), now)) {
      case FIND_SELF -> internal(engine.findNode(identity.id(), now));
      case BOOTSTRAP -> internal(engine.bootstrap(seeds, now));
      case NONE -> { }
    }
    publishIfDue(now);
    drain(now);
  }

  private void publishIfDue(long now) {
    long wall = System.currentTimeMillis();
    int contacts = engine.contactCount();
    if (contacts > 0 && presence.due(contacts, wall, now)) {
      StoredValue record = presence.next(wall, wall, contacts, now); // wall ms: a seq that only grows
      internal(engine.publish(record, now));
    }
  }

  private void internal(long queryId) {
    pending.put(queryId, new CompletableFuture<>());
  }

  /** Return the addresses the network joins through (the kept peers, the inviter, former contacts). */
  List<InetSocketAddress> seeds() {
    return List.copyOf(seeds);
  }

  /** Return the addresses of the network's contacts (for pushes and the seed file). */
  List<Contact> contacts() {
    return engine.contacts();
  }

  /** Return the presence record this node published in the network, or null. */
  StoredValue ownRecord() {
    return presence.current();
  }

  private void onTimer() {
    if (closed) {
      return;
    }
    long now = MonotonicClock.now();
    try {
      if (now >= engine.pollTimeout()) {
        engine.handleTimeout(now);
      }
      drain(now);
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(PrivateNetwork.class).warn("network {}: timer error", name, e);
    }
  }

  private void drain(long now) {
    boolean more = true;
    while (more) {
      more = false;
      for (Transmit t = engine.pollTransmit(); t != null; t = engine.pollTransmit()) {
        more = true;
        send.accept(t.to(), t.payload());
      }
      for (DhtEvent e = engine.pollEvent(); e != null; e = engine.pollEvent()) {
        more = true;
        if (e instanceof DhtEvent.QueryFinished f) {
          CompletableFuture<QueryResult> c = pending.remove(f.queryId());
          if (c != null) {
            c.complete(f.result());
          }
        } else if (e instanceof DhtEvent.AddressObserved o) {
          presence.handleObservation(o.by().id(), o.by().address(), o.observed(), now);
        }
      }
    }
    if (!closed) {
      timer.arm(engine.pollTimeout(), now);
    }
  }

  private void failPending() {
    List<CompletableFuture<QueryResult>> waiting = new ArrayList<>(pending.values());
    pending.clear();
    waiting.forEach(f -> f.completeExceptionally(new IllegalStateException("network " + name + " changed")));
  }

  /** Stop the timer and fail waiting queries. */
  void close() {
    closed = true;
    timer.cancel();
    failPending();
  }


  /**
   * Return what {@code networks} shows of this network to node {@code self} at monotonic {@code
   * now}: name, id, epoch, seq, the members (admin, self, online: a contact now) and, for a network
   * of more than one, how long its catch-up has gone unanswered.
   */
  JsonObject json(NodeId self, long now) {
    Roster r = roster();
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    o.addProperty("id", r.id().text());
    o.addProperty("epoch", r.epoch());
    o.addProperty("seq", r.seq());
    o.addProperty("admin", r.admins().contains(self));
    List<NodeId> online = contacts().stream().map(Contact::id).toList();
    JsonArray members = new JsonArray();
    for (Member m : r.members().values()) {
      JsonObject mo = new JsonObject();
      mo.addProperty("id", m.id().toString());
      mo.addProperty("admin", r.admins().contains(m.id()));
      mo.addProperty("self", m.id().equals(self));
      mo.addProperty("online", m.id().equals(self) || online.contains(m.id()));
      members.add(mo);
    }
    o.add("members", members);
    o.addProperty("peers", online.size());
    if (r.members().size() > 1) { // a network of one asks nobody
      o.addProperty("unanswered_s", sync.catchUp().unansweredMs(now) / 1000);
      o.addProperty("asked_rounds", sync.catchUp().rounds());
    }
    return o;
  }
  /** Return whether {@code id} is a member now. */
  boolean isMember(NodeId id) {
    return roster.isMember(id);
  }
}
