package dev.wormholes.node.networks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.dht.Contact;
import dev.wormholes.dht.QueryResult;
import dev.wormholes.nat.node.PathEngine;
import dev.wormholes.networks.BoxKeys;
import dev.wormholes.networks.CatchUp;
import dev.wormholes.networks.Fragments;
import dev.wormholes.networks.JoinRefusal;
import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.Receivers;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterFailure;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.networks.RosterSync;
import dev.wormholes.networks.SealDrop;
import dev.wormholes.networks.SealKey;
import dev.wormholes.networks.StreamAccess;
import dev.wormholes.networks.TrustedSources;
import dev.wormholes.node.path.Ping;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.node.runtime.LoopTimer;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceRefusedException;
import dev.wormholes.node.stream.SilentConnectionException;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.DecodeResult;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.PacketCodec;
import dev.wormholes.proto.wire.Presence;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's private networks, on its one UDP socket. Every datagram of a private network is
 * sealed ({@link Keyring}: first byte 0x10); its source is charged the runtime's per-source
 * budget, or the larger budget of {@link TrustedSources} if a datagram of it opened lately (a
 * member's stream is not held to the budget for strangers), then this class opens it: a datagram that does not open is dropped and counted before
 * anything parses it, and nothing is ever sent back for it. An opened datagram's first byte says
 * what it carries: 0x0D a DHT packet of that network (taken only if its sender is a roster member),
 * 0x11 a roster fragment, 0x15 a QUIC packet of a connection inside the network ({@link
 * NetworkStreams}), 0x16 a catch-up request ({@link CatchUp}), 0x17 a catch-up challenge (the
 * cookie to echo); under an invite's key 0x12 a join request, 0x13 a join answer, 0x14 a join
 * refusal, 0x18 a join challenge ({@link NetworkJoins}). Under a replaced epoch key
 * only a roster fragment or a challenge (in the overlap) or a catch-up request is taken ({@link
 * Payloads#taken}); anything else counts as a stale epoch.
 *
 * <p>What is sent to an address is sealed for the member known to be there ({@link Receivers}:
 * learned from opened DHT packets' senders, dialled members, catch-up and join requests that
 * echoed our cookie, an inviter), so it opens at that node only; a copy replayed to
 * another member is dropped ({@link SealDrop#OTHER_RECEIVER}). Only what goes to an address not learned yet is sealed for anyone
 * holding the key (counted {@code opened_for_anyone} where it opens): a bootstrap or lookup packet
 * to a seed or to an address a DHT answer named, a catch-up request to a kept peer, a join refusal
 * to an unparsed request, a QUIC answer to a member never heard in the DHT.
 *
 * <p>Streams: {@link #attach} carries the node's QUIC inside the networks; {@link #dial} opens a
 * stream to a member through a network, {@link #refusal} is the gate of services exposed to a
 * network (members only, through that network only: {@link StreamAccess}).
 *
 * <p>Rosters change by admin commands here; who is sent a roster when, and when a network asks
 * for it, is {@link RosterSync}'s (a change pushed to the contacts that were members before it, in
 * fragments sealed with the key they hold; gossip; catch-up of a member that was away, {@link
 * CatchUp}); this class seals and sends what it says, and wakes when it says. A removal makes a
 * new epoch: its key is installed after the push's first round; a node that finds itself removed
 * leaves the network and keeps the roster as the notice {@link #list} shows. Every
 * change is written to the data dir before it is used. All state is confined to the event loop;
 * other threads call the public methods, which run there and answer through futures.
 */
public final class PrivateNetworks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateNetworks.class);
  static final byte DHT = Payloads.DHT;
  static final byte ROSTER = Payloads.ROSTER;
  static final byte QUIC = Payloads.QUIC;
  static final byte CATCHUP = Payloads.CATCHUP;
  static final byte CATCHUP_COOKIE = Payloads.CATCHUP_COOKIE;
  private static final long HOUSEKEEPING_MS = 2_000;

  /** Who a key belongs to: a network ({@code invite} 0), or an invite into it (its tag). */
  record Owner(NetworkId network, long invite) {}

  private final UdpRuntime rt;
  private final Identity me;
  private final byte[] boxPrivate;
  private final EventLoop loop;
  private final NetworkFiles files;
  private final SecureRandom random = new SecureRandom();
  // Event loop only.
  private final Keyring<Owner> keyring;
  /** Who is at an address, so that what is sent there is sealed for that node only. */
  private final Receivers receivers = new Receivers();
  private long openedForAnyone;
  private final Fragments fragments = new Fragments();
  private final NetworkJoins joins;
  private final TrustedSources trusted = new TrustedSources();
  private final Map<NetworkId, PrivateNetwork> nets = new LinkedHashMap<>();
  /** Networks this node left by its own change whose push still has rounds to send. */
  private final List<PrivateNetwork> leaving = new ArrayList<>();
  /** Networks this node was removed from, by local name: the roster with the signed removal. */
  private final Map<String, Roster> removed = new LinkedHashMap<>();
  private final EnumMap<RosterFailure, Long> rosterRefused = new EnumMap<>(RosterFailure.class);
  private long notMember;
  private final EnumMap<StreamAccess.Refusal, Long> streamsRefused = new EnumMap<>(StreamAccess.Refusal.class);
  private volatile NetworkStreams streams;
  private ScheduledFuture<?> housekeeping;
  /** Wakes at the earliest {@link RosterSync#nextWake} of the networks. */
  private final LoopTimer syncTimer;

  private PrivateNetworks(UdpRuntime rt, Path dir) {
    this.rt = rt;
    this.me = rt.identity();
    this.boxPrivate = BoxKeys.privateOf(me);
    this.keyring = new Keyring<>(random, wall(), me.id());
    this.loop = rt.eventLoop();
    this.files = new NetworkFiles(dir);
    this.syncTimer = new LoopTimer(loop, this::sync);
    this.joins = new NetworkJoins(this, me, boxPrivate, keyring, receivers, files, fragments, random, loop);
  }

  /**
   * Load the networks kept in {@code dir} (null: none, nothing is kept), take the runtime's sealed
   * datagrams and start housekeeping. The runtime must run on a shared socket.
   */
  public static PrivateNetworks start(UdpRuntime rt, Path dir) {
    PrivateNetworks p = new PrivateNetworks(rt, dir);
    p.onLoop(() -> {
      p.load();
      p.housekeeping = p.loop.scheduleAtFixedRate(p::housekeep, HOUSEKEEPING_MS, HOUSEKEEPING_MS, TimeUnit.MILLISECONDS);
      return null;
    }).join();
    rt.setUnbudgetedSink(Keyring.FIRST_BYTE, p::onSealed);
    return p;
  }

  private void load() {
    long now = MonotonicClock.now();
    joins.load();
    for (String name : files.removedNames()) {
      if (Roster.decode(files.removed(name)) instanceof RosterResult.Valid v && !v.roster().isMember(me.id())) {
        removed.put(name, v.roster());
      }
    }
    for (String name : files.names()) {
      RosterResult r = Roster.decode(files.roster(name));
      if (r instanceof RosterResult.Valid v && v.roster().isMember(me.id())) {
        PrivateNetwork n = install(name, v.roster(), now);
        n.addSeeds(files.peers(name), now);
      } else {
        LOG.warn("network {}: the kept roster does not verify or no longer lists this node: {}", name, r);
      }
    }
  }

  /**
   * Make {@code roster} a network of this node called {@code name}, its epoch key installed and
   * its earlier epoch keys kept retired ({@link CatchUp}).
   */
  PrivateNetwork install(String name, Roster roster, long now) {
    Owner owner = new Owner(roster.id(), 0);
    roster.epochKey(me.id(), boxPrivate).ifPresent(k ->
        keyring.install(owner, k.epoch(), SealKey.of(k.key(), SealKey.Use.EPOCH), wall()));
    for (Roster.EpochKey k : roster.pastEpochKeys(me.id(), boxPrivate)) { // to answer who was away
      keyring.keepRetired(owner, k.epoch(), SealKey.of(k.key(), SealKey.Use.EPOCH));
    }
    PrivateNetwork n = new PrivateNetwork(name, roster, me, loop, LocalAddresses.lanEndpoints(rt.localAddress()),
        (to, packet) -> send(owner, to, packet));
    nets.put(roster.id(), n);
    armSync(now);
    return n;
  }

  /** The keyring's clock: sealed datagrams carry the wall clock, so a copy from before a restart does not open. */
  static long wall() {
    return System.currentTimeMillis();
  }

  /** Seal {@code plaintext} for the node known to be at {@code to} (else for anyone holding the key) and send it. */
  void send(Owner owner, InetSocketAddress to, byte[] plaintext) {
    send(owner, to, receivers.at(to).orElse(null), plaintext);
  }

  /** Seal {@code plaintext} for node {@code node} (null: anyone holding the key) and send it to {@code to}. */
  void send(Owner owner, InetSocketAddress to, NodeId node, byte[] plaintext) {
    if (keyring.has(owner)) {
      rt.sendRaw(to, keyring.seal(owner, node, plaintext, wall()));
    }
  }

  // ---- input (event loop)

  private void onSealed(InetSocketAddress from, ByteBuf content) {
    long now = MonotonicClock.now();
    try {
      TrustedSources.Verdict cost = trusted.charge(from, now);
      if (cost == TrustedSources.Verdict.OVER
          || cost == TrustedSources.Verdict.STRANGER && !rt.charge(from)) {
        return; // over its budget (trusted: counted here; a stranger: by the runtime), dropped before opening
      }
      Keyring.Opened<Owner> o = keyring.open(ByteBufUtil.getBytes(content), wall());
      if (o instanceof Keyring.Opened.Ok<Owner> ok && ok.plaintext().length > 0) {
        byte[] p = ok.plaintext();
        Owner owner = ok.owner();
        if (!Payloads.taken(ok.standing(), p[0])) {
          keyring.count(SealDrop.STALE_EPOCH); // a replaced key's (a removed member's, or a late one)
          return;
        }
        if (ok.standing() == Keyring.Standing.CURRENT) {
          trusted.opened(from, now);
        }
        if (!ok.bound()) {
          openedForAnyone++;
        }
        if (owner.invite() != 0) {
          joins.onMessage(from, owner, p, now);
        } else if (p[0] == DHT) {
          onDht(from, owner, p, now);
        } else if (p[0] == QUIC && streams != null) {
          streams.onQuic(owner.network(), from, p);
        } else if (p[0] == ROSTER) {
          fragments.add(from, p, now).ifPresent(whole -> onRoster(from, owner.network(), whole, now));
        } else if (p[0] == CATCHUP) {
          onCatchUp(from, owner, ok.keyId(), p);
        } else if (p[0] == CATCHUP_COOKIE) {
          onCatchUpCookie(from, owner, p);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("error handling a sealed datagram from {}", from, e);
    }
  }

  private void onDht(InetSocketAddress from, Owner owner, byte[] packet, long now) {
    PrivateNetwork n = nets.get(owner.network());
    if (n == null) {
      return;
    }
    DecodeResult r = PacketCodec.decode(packet, owner.network().wireId());
    if (r instanceof DecodeResult.Ok ok) {
      NodeId sender = PacketCodec.sender(ok.packet());
      if (!n.isMember(sender)) {
        notMember++; // a removed member during the overlap, or a leaked key
        return;
      }
      receivers.learn(from, sender);
    }
    n.handleDatagram(from, packet, now);
  }

  private void onRoster(InetSocketAddress from, NetworkId network, byte[] encoded, long now) {
    PrivateNetwork n = nets.get(network);
    if (n == null) {
      return;
    }
    RosterResult r = Roster.decode(encoded);
    Roster offered = r instanceof RosterResult.Valid v ? v.roster() : null;
    if (offered != null) {
      r = n.roster().adopt(offered);
    }
    if (r instanceof RosterResult.Invalid bad) {
      if (bad.failure() != RosterFailure.STALE) {
        rosterRefused.merge(bad.failure(), 1L, Long::sum);
      } else if (offered.seq() < n.roster().seq()) { // a member behind: ours goes to it at the next tick
        n.contacts().stream().filter(c -> c.address().equals(from)).findFirst()
            .ifPresent(c -> n.sync.heardOlder(c.id()));
      }
      return;
    }
    adopt(n, ((RosterResult.Valid) r).roster(), now);
  }

  /**
   * A member that was away asks for the roster under the key it holds ({@link CatchUp}): answer
   * with the current roster, sealed under that same key, if {@link CatchUp#answer} says so; to an
   * address that has not echoed our cookie, send only the cookie (no larger than the request).
   */
  private void onCatchUp(InetSocketAddress from, Owner owner, long keyId, byte[] p) {
    PrivateNetwork n = nets.get(owner.network());
    if (n == null) {
      return;
    }
    CatchUp.Decision d = n.sync.catchUp().answer(n.roster(), Arrays.copyOfRange(p, 1, p.length), from, wall());
    if (d instanceof CatchUp.Decision.Challenge c) {
      rt.sendRaw(from, keyring.sealWith(keyId, c.requester(), Payloads.of(CATCHUP_COOKIE, c.cookie()), wall()));
    } else if (d instanceof CatchUp.Decision.Answer a) {
      LOG.info("network {}: sending the roster to {} ({})", n.name, a.requester(), a.member() ? "a member who was away"
          : "removed");
      receivers.learn(from, a.requester()); // the address echoed our cookie: proven
      for (byte[] f : Fragments.split(ROSTER, random.nextLong(), n.roster().encode())) {
        rt.sendRaw(from, keyring.sealWith(keyId, a.requester(), f, wall()));
      }
    }
  }

  /** A seed asked this round sent the cookie our catch-up request must echo: ask it again with it. */
  private void onCatchUpCookie(InetSocketAddress from, Owner owner, byte[] p) {
    PrivateNetwork n = nets.get(owner.network());
    if (n != null && p.length == 1 + CatchUp.COOKIE_BYTES && n.sync.followUp(from)) {
      byte[] cookie = Arrays.copyOfRange(p, 1, p.length);
      send(owner, from, Payloads.of(CATCHUP, CatchUp.request(me, n.roster().id(), cookie, wall())));
    }
  }

  /**
   * Take a verified newer roster: keep it, roll the key, or leave the network if this node was
   * removed (keeping the roster, the admin's signed removal, as the notice {@code networks} shows).
   */
  private void adopt(PrivateNetwork n, Roster next, long now) {
    Owner owner = new Owner(next.id(), 0);
    if (!next.isMember(me.id())) {
      LOG.info("network {}: this node was removed by {}", n.name, next.removedBy(me.id()).orElse(null));
      files.saveRemoved(n.name, next.encode());
      removed.put(n.name, next);
      files.delete(n.name);
      keyring.remove(owner);
      n.close();
      nets.remove(next.id());
      if (!n.pushed.isEmpty()) {
        leaving.add(n); // its own removal: the push's later rounds still go (its other sends need the key, gone)
      }
      if (streams != null) {
        streams.forget(next.id());
      }
      return;
    }
    files.saveRoster(n.name, next.encode());
    Optional<Roster.EpochKey> key = next.epochKey(me.id(), boxPrivate);
    key.ifPresent(k -> keyring.install(owner, k.epoch(), SealKey.of(k.key(), SealKey.Use.EPOCH), wall()));
    n.setRoster(next, now);
  }

  /** Drop the removal notice of a network called {@code name} (the name is taken again). */
  void forgetRemoved(String name) {
    if (removed.remove(name) != null) {
      files.deleteRemoved(name);
    }
  }

  static Optional<Roster> apply(Roster r, dev.wormholes.networks.wire.SignedChange c) {
    return r.append(c) instanceof RosterResult.Valid v ? Optional.of(v.roster()) : Optional.empty();
  }

  /** Keep {@code next} (an admin's own change), push it to the members ({@link RosterSync#committed}), then use it. */
  void commit(PrivateNetwork n, Roster next, long now) {
    files.saveRoster(n.name, next.encode());
    List<Contact> contacts = n.contacts();
    List<byte[]> fragments = Fragments.split(ROSTER, random.nextLong(), next.encode());
    send(n, n.sync.committed(n.roster(), contacts.stream().map(Contact::id).toList(), now), contacts, fragments);
    adopt(n, next, now);
    armSync(now);
  }

  /** Send what every network's {@link RosterSync} finds due, and wake again when it says. */
  private void sync() {
    long now = MonotonicClock.now();
    try {
      List<PrivateNetwork> all = new ArrayList<>(nets.values());
      all.addAll(leaving);
      for (PrivateNetwork n : all) {
        List<Contact> contacts = n.contacts();
        send(n, n.sync.poll(n.roster(), contacts.stream().map(Contact::id).toList(), n.seeds(), now), contacts, null);
      }
      leaving.removeIf(n -> n.pushed.isEmpty());
    } catch (RuntimeException e) {
      LOG.warn("private network roster sync failed", e);
    }
    armSync(now);
  }

  private void armSync(long now) {
    long at = Long.MAX_VALUE;
    for (PrivateNetwork n : nets.values()) {
      at = Math.min(at, n.sync.nextWake());
    }
    for (PrivateNetwork n : leaving) {
      at = Math.min(at, n.sync.nextWake());
    }
    if (at != Long.MAX_VALUE) {
      syncTimer.arm(Math.max(at, now), now); // a new sync wakes at once (its nextWake is Long.MIN_VALUE)
    }
  }

  /**
   * Send what {@code sends} says, sealed with the key held now: a push's round 0 ({@code pushing},
   * the changed roster's fragments) sealed for its receiver and kept, so its later rounds send the
   * same datagrams; the current roster to a contact; a catch-up request to a seed.
   */
  private void send(PrivateNetwork n, List<RosterSync.Send> sends, List<Contact> contacts, List<byte[]> pushing) {
    Owner owner = new Owner(n.roster().id(), 0);
    List<byte[]> current = null;
    byte[] ask = null;
    for (RosterSync.Send s : sends) {
      if (s instanceof RosterSync.Send.Push p) {
        Map<NodeId, PrivateNetwork.Sealed> sealed = n.pushed.computeIfAbsent(p.push(), x -> new LinkedHashMap<>());
        if (p.round() == 0 && pushing != null && keyring.has(owner)) {
          addressOf(contacts, p.to()).ifPresent(a -> sealed.put(p.to(), new PrivateNetwork.Sealed(a,
              pushing.stream().map(f -> keyring.seal(owner, p.to(), f, wall())).toList())));
        }
        PrivateNetwork.Sealed d = sealed.get(p.to());
        if (d != null) {
          d.datagrams().forEach(x -> rt.sendRaw(d.to(), x));
        }
        if (p.last() && sealed.remove(p.to()) != null && sealed.isEmpty()) {
          n.pushed.remove(p.push());
        }
      } else if (s instanceof RosterSync.Send.Gossip g) {
        if (current == null) {
          current = Fragments.split(ROSTER, random.nextLong(), n.roster().encode());
        }
        List<byte[]> fs = current;
        addressOf(contacts, g.to()).ifPresent(a -> fs.forEach(f -> send(owner, a, g.to(), f)));
      } else if (s instanceof RosterSync.Send.Ask a) {
        if (ask == null) {
          ask = Payloads.of(CATCHUP, CatchUp.request(me, n.roster().id(), wall()));
        }
        send(owner, a.to(), ask);
      }
    }
  }

  private static Optional<InetSocketAddress> addressOf(List<Contact> contacts, NodeId id) {
    return contacts.stream().filter(c -> c.id().equals(id)).map(Contact::address).findFirst();
  }

  private void housekeep() {
    long now = MonotonicClock.now();
    try {
      for (PrivateNetwork n : List.copyOf(nets.values())) {
        n.housekeep(now);
        List<InetSocketAddress> peers = n.contacts().stream().map(Contact::address).toList();
        if (!peers.isEmpty()) {
          files.savePeers(n.name, peers);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("private network housekeeping failed", e);
    }
  }

  // ---- commands (any thread)

  <T> CompletableFuture<T> onLoop(Supplier<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        f.complete(task.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  private PrivateNetwork byName(String name) {
    return nets.values().stream().filter(n -> n.name.equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no network called " + name));
  }

  /** Create network {@code name} with this node as its first member and admin; return its id. */
  public CompletableFuture<String> create(String name) {
    checkName(name);
    return onLoop(() -> {
      checkNameFree(name);
      Roster.Founded f = Roster.create(me, name, random);
      files.saveRoster(name, f.roster().encode());
      forgetRemoved(name);
      install(name, f.roster(), MonotonicClock.now());
      return f.roster().id().text();
    });
  }

  /** Return a one-time link into network {@code name}, valid for {@code seconds}; the joiner becomes an admin if {@code admin}. */
  public CompletableFuture<String> invite(String name, boolean admin, long seconds) {
    return onLoop(() -> joins.invite(byName(name), admin, seconds, LocalAddresses.lanEndpoints(rt.localAddress())));
  }

  /** Join with {@code linkText} under the local name {@code name} (null: the inviter's); complete when joined. */
  public CompletableFuture<String> join(String linkText, String name) {
    return joins.join(linkText, name);
  }

  /** The network of id {@code id}, or null. */
  PrivateNetwork network(NetworkId id) {
    return nets.get(id);
  }

  /** Throw IllegalArgumentException if this node is in network {@code id} or has one called {@code name}. */
  void checkJoinable(NetworkId id, String name) {
    if (nets.containsKey(id)) {
      throw new IllegalArgumentException("this node is in that network already");
    }
    checkNameFree(name);
  }

  private void checkNameFree(String name) {
    if (nets.values().stream().anyMatch(n -> n.name.equals(name))) {
      throw new IllegalArgumentException("a network called " + name + " exists already");
    }
  }

  /** Remove {@code member} (a node id) from network {@code name}: a new epoch without it. */
  public CompletableFuture<Long> remove(String name, String member) {
    NodeId who = NodeId.parse(member).orElseThrow(() -> new IllegalArgumentException("not a node id: " + member));
    return onLoop(() -> {
      PrivateNetwork n = byName(name);
      Roster r = n.roster();
      if (!r.admins().contains(me.id())) {
        throw new IllegalArgumentException("this node is not an admin of " + name);
      }
      if (!r.isMember(who)) {
        throw new IllegalArgumentException(member + " is not a member of " + name);
      }
      Roster next = apply(r, r.removeMember(me, who, random).change())
          .orElseThrow(() -> new IllegalArgumentException("cannot remove the last admin"));
      commit(n, next, MonotonicClock.now());
      return next.epoch();
    });
  }

  /** Look {@code node} up in network {@code name}; complete with its presence record. */
  public CompletableFuture<Presence> lookup(String name, NodeId node) {
    return onLoop(() -> byName(name)).thenCompose(n -> {
      if (node.equals(me.id()) && n.ownRecord() != null) {
        return CompletableFuture.completedFuture(DhtValues.parsePresence(n.ownRecord()).orElseThrow());
      }
      return onLoop(() -> n.query((e, now) -> e.get(node, now))).thenCompose(f -> f)
          .orTimeout(10, TimeUnit.SECONDS).thenApply(r -> {
            if (r instanceof QueryResult.Found found) {
              Optional<Presence> p = DhtValues.parsePresence(found.value());
              if (p.isPresent()) {
                return p.get();
              }
            }
            throw new IllegalArgumentException("no presence record of " + node + " in network " + name);
          });
    });
  }

  /** Return whether {@code node} is a member of network {@code name} now (false if there is no such network). */
  public CompletableFuture<Boolean> isMember(String name, NodeId node) {
    return onLoop(() -> nets.values().stream().anyMatch(n -> n.name.equals(name) && n.isMember(node)));
  }

  /**
   * Return the networks: name, id, epoch, members (with admin flag and whether a contact now), this
   * node's role, and while it has no contact how long it has asked for the roster unanswered.
   */
  public CompletableFuture<JsonArray> list() {
    return onLoop(() -> {
      JsonArray a = new JsonArray();
      nets.values().forEach(n -> a.add(n.json(me.id(), MonotonicClock.now())));
      removed.forEach((name, r) -> {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("id", r.id().text());
        o.addProperty("epoch", r.epoch());
        o.addProperty("seq", r.seq());
        o.addProperty("removed", true);
        o.addProperty("removed_by", r.removedBy(me.id()).map(NodeId::toString).orElse(""));
        o.add("members", new JsonArray());
        a.add(o);
      });
      return a;
    });
  }

  // ---- streams inside networks

  /** Carry {@code transport}'s QUIC inside the networks (its socket loop must be this runtime's). */
  public void attach(StreamTransport transport) {
    onLoop(() -> {
      streams = new NetworkStreams(transport, (net, to, plain) -> send(new Owner(net, 0), to, plain));
      return null;
    }).join();
  }

  /**
   * Open a stream to {@code service} on member {@code node} through network {@code name} (null:
   * the first network this node shares with it). The member's endpoints are its routing-table
   * contacts, else its presence record in the network; each is tried in turn, an open over a
   * connection silent for {@link PathEngine#openSilenceMs} once more over a new connection (the
   * silent one is closed: the member was restarted). Fails with IllegalArgumentException if no such
   * network is shared.
   */
  public CompletableFuture<SecureStream> dial(String name, NodeId node, String service) {
    NetworkStreams s = streams;
    if (s == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("streams are off"));
    }
    return onLoop(() -> {
      PrivateNetwork n = name != null ? byName(name) : nets.values().stream()
          .filter(x -> StreamAccess.mayDial(x.roster(), me.id(), node)).findFirst().orElse(null);
      if (n == null || !StreamAccess.mayDial(n.roster(), me.id(), node)) {
        throw new IllegalArgumentException("node " + node + " is not a member of "
            + (name == null ? "a network this node is in" : "network " + name));
      }
      return n;
    }).thenCompose(n -> endpoints(n, node).thenCompose(eps -> onLoop(() -> {
      List<InetSocketAddress> via = new ArrayList<>();
      for (InetSocketAddress e : eps) {
        receivers.learn(e, node); // a routing-table contact's or a signed presence record's endpoint
        s.address(n.roster().id(), e).ifPresent(via::add);
      }
      return via;
    })).thenCompose(via -> connectAny(s.transport(), via, 0, false, node, service, null)));
  }

  private CompletableFuture<List<InetSocketAddress>> endpoints(PrivateNetwork n, NodeId node) {
    return onLoop(() -> n.contacts().stream().filter(c -> c.id().equals(node)).map(Contact::address).toList())
        .thenCompose(known -> !known.isEmpty() ? CompletableFuture.completedFuture(known)
            : lookup(n.name, node).thenApply(p -> p.getEndpointsList().stream()
                .map(e -> Endpoints.fromWire(e.getEndpoint())).flatMap(Optional::stream).distinct().limit(8).toList()));
  }

  private static CompletableFuture<SecureStream> connectAny(StreamTransport t, List<InetSocketAddress> via, int i,
      boolean again, NodeId node, String service, Throwable last) {
    if (i >= via.size()) {
      return CompletableFuture.failedFuture(last != null ? last
          : new IllegalArgumentException("no endpoint of " + node + " is known in the network"));
    }
    long silence = PathEngine.openSilenceMs(t.handshakeMs(via.get(i), node).orElse(-1));
    return t.connect(via.get(i), node, service, silence).handle((stream, err) -> {
      Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
          ? err.getCause() : err;
      if (err == null || c instanceof ServiceRefusedException) {
        return err == null ? CompletableFuture.completedFuture(stream) : CompletableFuture.<SecureStream>failedFuture(c);
      }
      boolean retry = c instanceof SilentConnectionException && !again;
      return connectAny(t, via, retry ? i : i + 1, retry, node, service, c);
    }).thenCompose(f -> f);
  }

  /** Complete with whether {@code node} is a member of a network this node is in. */
  public CompletableFuture<Boolean> shares(NodeId node) {
    return onLoop(() -> nets.values().stream().anyMatch(n -> StreamAccess.mayDial(n.roster(), me.id(), node)));
  }

  /** Time {@code count} round trips to {@code node}'s echo service through network {@code name}. */
  public CompletableFuture<List<Double>> ping(String name, NodeId node, int count) {
    return dial(name, node, Ping.SERVICE).thenCompose(stream -> Ping.roundTrips(stream, count));
  }

  /**
   * The gate of a service exposed to network {@code name}: return why {@code peer}, whose
   * connection's peer address is {@code remote}, may not open a stream to it (counted), or empty.
   * Call on the event loop (where streams are accepted).
   */
  public Optional<String> refusal(String name, NodeId peer, java.net.SocketAddress remote) {
    if (!loop.inEventLoop()) {
      return onLoop(() -> refusal(name, peer, remote)).join();
    }
    NetworkStreams s = streams;
    PrivateNetwork n = nets.values().stream().filter(x -> x.name.equals(name)).findFirst().orElse(null);
    if (n == null || s == null) {
      return Optional.of("this node is not in network " + name);
    }
    Optional<StreamAccess.Refusal> r = StreamAccess.refusal(n.roster(), s.arrivedOn(remote), peer);
    r.ifPresent(x -> streamsRefused.merge(x, 1L, Long::sum));
    return r.map(x -> x.name().toLowerCase());
  }

  /** Return the counters: sealed datagrams opened and dropped by reason, refusals of rosters and joins. */
  public CompletableFuture<JsonObject> status() {
    return onLoop(() -> {
      JsonObject o = new JsonObject();
      o.addProperty("networks", nets.size());
      o.addProperty("opened", keyring.opened());
      o.addProperty("sealed", keyring.sealed());
      o.addProperty("opened_for_anyone", openedForAnyone);
      JsonObject d = new JsonObject();
      long total = 0;
      for (SealDrop s : SealDrop.values()) {
        long v = keyring.drops().getOrDefault(s, 0L);
        d.addProperty(s.name().toLowerCase(), v);
        total += v;
      }
      d.addProperty("not_member", notMember);
      d.addProperty("trusted_over_budget", trusted.over());
      d.addProperty("total", total + notMember + trusted.over());
      o.add("dropped", d);
      JsonObject rr = new JsonObject();
      rosterRefused.forEach((k, v) -> rr.addProperty(k.name().toLowerCase(), v));
      o.add("rosters_refused", rr);
      JsonObject jr = new JsonObject();
      joins.refused().forEach((k, v) -> jr.addProperty(k.name().toLowerCase(), v));
      o.add("joins_refused", jr);
      o.addProperty("joins_challenged", joins.challenges());
      o.addProperty("answers_ignored", joins.answersIgnored());
      long caughtUp = 0;
      long challenged = 0;
      EnumMap<CatchUp.Refusal, Long> cr = new EnumMap<>(CatchUp.Refusal.class);
      for (PrivateNetwork n : nets.values()) {
        caughtUp += n.sync.catchUp().answers();
        challenged += n.sync.catchUp().challenges();
        n.sync.catchUp().refused().forEach((k, v) -> cr.merge(k, v, Long::sum));
      }
      o.addProperty("catchups_answered", caughtUp);
      o.addProperty("catchups_challenged", challenged);
      JsonObject cro = new JsonObject();
      cr.forEach((k, v) -> cro.addProperty(k.name().toLowerCase(), v));
      o.add("catchups_refused", cro);
      JsonObject sr = new JsonObject();
      streamsRefused.forEach((k, v) -> sr.addProperty(k.name().toLowerCase(), v));
      o.add("streams_refused", sr);
      if (streams != null) {
        long[] q = streams.counters();
        o.addProperty("quic_out", q[0]);
        o.addProperty("quic_in", q[1]);
      }
      return o;
    });
  }

  /**
   * Return whether {@code name} is a network's local name: the petname rule ({@link
   * dev.wormholes.people.Contact#validPetname}: 1 to 32 lowercase letters, digits and dashes, no leading dash), since
   * both are labels of one SOCKS host name ({@code SERVICE.PETNAME.NETWORK.network.wh}) and a
   * network's name is also a file name in the data dir.
   */
  static boolean validName(String name) {
    return name != null && dev.wormholes.people.Contact.validPetname(name);
  }

  static void checkName(String name) {
    if (!validName(name)) {
      throw new IllegalArgumentException("a network name is 1 to 32 lowercase letters, digits and dashes");
    }
  }

  /** Stop housekeeping and every network's timer; stop taking sealed datagrams. */
  @Override
  public void close() {
    try {
      rt.setSink(Keyring.FIRST_BYTE, null);
    } catch (RuntimeException e) {
      // the runtime is closing anyway
    }
    try {
      onLoop(() -> {
        if (housekeeping != null) {
          housekeeping.cancel(false);
        }
        syncTimer.cancel();
        nets.values().forEach(PrivateNetwork::close);
        if (streams != null) {
          streams.close();
        }
        return null;
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("private networks closed with the loop: {}", e.toString());
    }
  }

  /** Refusal counters for tests: join refusals by reason. */
  Map<JoinRefusal, Long> joinRefusals() {
    return joins.refused();
  }
}
