package dev.wormholes.nat.punch;

import dev.wormholes.nat.DialBackRule;
import dev.wormholes.proto.engine.TokenBucket;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;

/**
 * The rendezvous side of hole punching, sans-I/O, run by a peer that both ends can reach: it
 * keeps registrations (node id to the address it last registered from), forwards Connect, Accept
 * and Sync between registered nodes adding the address it sees each come from, answers Observe
 * with the requester's address, and serves dial-backs — only ever to the requester's own observed
 * address ({@link DialBackRule}).
 *
 * <p>What it costs to use (every peer is hostile): a registration proves its key (signed, with a
 * sequence number that only grows, remembered past eviction by a bounded tombstone table); at
 * most {@link Limits#perIp()} registrations per IP (IPv6: /64) and {@link Limits#perNetwork()}
 * per /24 (/48); a new registration only ever displaces one not heard for {@link
 * Limits#staleMs()}, so live registrations cannot be flushed. A Connect is forwarded only from
 * the address its initiator registered from, within that registration's Connect budget ({@link
 * Limits#connectsPerSecond()}) and the budget of its network towards the target ({@link
 * Limits#targetConnectsPerSecond()}), both charged only once its signature holds (a spoofer of
 * the initiator's address cannot spend them); an Accept only from its responder's registered address; a Sync only
 * from a registered address. Nothing it sends to an address is larger than what that address sent
 * it (Registered, Refused, Observed, dial-backs), and a forwarded message is the sender's own.
 *
 * <p>Sockets: 0 is its main socket, 1 a second port on the same IP (for "same address, other
 * port" dial-backs). Dial-backs "from another host" are ordered from a helper {@link Rendezvous}
 * configured with {@link #Rendezvous(int, InetSocketAddress, Set)}; a helper obeys orders only
 * from its trusted partners. Polling: after every input drain {@link #pollTransmit()}.
 */
public final class Rendezvous {
  /** Refused reason: the target is not registered here. */
  public static final int REFUSED_UNKNOWN_TARGET = 1;

  /**
   * What registrations and signalling may cost.
   *
   * @param perIp registrations from one IP (IPv6: /64)
   * @param perNetwork registrations from one /24 (IPv6: /48)
   * @param staleMs a registration not heard for this long may be displaced by a new one
   * @param connectsPerSecond Connects forwarded per registered initiator, on average
   * @param connectBurst Connects forwarded per registered initiator at once
   * @param targetConnectsPerSecond Connects forwarded to one target from initiators on one network
   *     (IPv4 /24, IPv6 /48), on average
   * @param targetConnectBurst Connects forwarded to one target from one network at once
   */
  public record Limits(int perIp, int perNetwork, long staleMs, double connectsPerSecond, double connectBurst,
      double targetConnectsPerSecond, double targetConnectBurst) {
    /**
     * Return the defaults: 16 per IP, 256 per network, stale after 60 s, 4 Connects/s (burst 16)
     * per initiator, 2 Connects/s (burst 8) per target and initiator network.
     */
    public static Limits defaults() {
      return new Limits(16, 256, 60_000, 4, 16, 2, 8);
    }
  }

  /**
   * Counters of what was refused.
   *
   * @param malformed datagrams that did not decode (or a rendezvous never receives)
   * @param badSignature Register, Connect or Accept with a bad signature or pre-stamped address
   * @param replayedRegister Registers with a sequence number not above the last one seen
   * @param unknownTarget signalling for a node not registered here
   * @param dialBackRefused dial-back requests refused by {@link DialBackRule}
   * @param untrustedOrders dial-back orders from peers that are not partners
   * @param forwarded signalling forwarded
   * @param unregisteredSender Connect, Accept or Sync not from its sender's registered address
   * @param overRate Connects over their initiator's budget or over the budget of the initiator's
   *     network towards the target
   * @param full Registers refused: the table, the IP or the network is full of live registrations
   */
  public record Counters(long malformed, long badSignature, long replayedRegister,
      long unknownTarget, long dialBackRefused, long untrustedOrders, long forwarded,
      long unregisteredSender, long overRate, long full) {}

  private static final class Registration {
    final NodeId id;
    InetSocketAddress address;
    long seq;
    long lastSeen;
    final TokenBucket connects;

    Registration(NodeId id, InetSocketAddress address, long seq, long now, Limits limits) {
      this.id = id;
      this.address = address;
      this.seq = seq;
      this.lastSeen = now;
      this.connects = new TokenBucket(limits.connectsPerSecond(), limits.connectBurst(), now);
    }
  }

  private final int maxRegistrations;
  private final Limits limits;
  private final InetSocketAddress helper;
  private final Set<InetSocketAddress> trustedPartners;
  // Access-ordered: the eldest is the least recently heard node; evicted first.
  private final LinkedHashMap<NodeId, Registration> registrations = new LinkedHashMap<>(16, 0.75f, true);
  // The same registrations by address, and their counts per IP and per network key.
  private final Map<InetSocketAddress, Registration> byAddress = new HashMap<>();
  private final Map<String, Integer> perKey = new HashMap<>();
  // The last sequence number of evicted registrations (bounded: 4 x maxRegistrations, oldest out),
  // so that an evicted node's old Register cannot be replayed to take its place.
  private final LinkedHashMap<NodeId, Long> tombstones = new LinkedHashMap<>();
  // Connect budgets per target and initiator network (access-ordered, bounded: 4 x
  // maxRegistrations, least recently used out); only for registered targets.
  private final LinkedHashMap<String, TokenBucket> targetBudgets = new LinkedHashMap<>(16, 0.75f, true);
  private final Queue<PunchTransmit> transmits = new ArrayDeque<>();
  private long malformed;
  private long badSignature;
  private long replayedRegister;
  private long unknownTarget;
  private long dialBackRefused;
  private long untrustedOrders;
  private long forwarded;
  private long unregisteredSender;
  private long overRate;
  private long full;

  /**
   * Serve at most {@code maxRegistrations} nodes under {@link Limits#defaults()}; order other-host
   * dial-backs from {@code helper} (null: none); obey dial-back orders from {@code
   * trustedPartners} only.
   */
  public Rendezvous(int maxRegistrations, InetSocketAddress helper, Set<InetSocketAddress> trustedPartners) {
    this(maxRegistrations, Limits.defaults(), helper, trustedPartners);
  }

  /** Like {@link #Rendezvous(int, InetSocketAddress, Set)} under {@code limits}. */
  public Rendezvous(int maxRegistrations, Limits limits, InetSocketAddress helper, Set<InetSocketAddress> trustedPartners) {
    this.maxRegistrations = maxRegistrations;
    this.limits = limits;
    this.helper = helper;
    this.trustedPartners = Set.copyOf(trustedPartners);
  }

  /** Feed a datagram that arrived on {@code socket} from {@code from}. */
  public void handleDatagram(int socket, InetSocketAddress from, byte[] bytes, long now) {
    Optional<PunchMessage> m = PunchCodec.decode(bytes);
    if (m.isEmpty()) {
      malformed++;
      return;
    }
    PunchMessage msg = m.get();
    if (msg instanceof PunchMessage.Register r) {
      onRegister(from, r, now);
    } else if (msg instanceof PunchMessage.Connect c) {
      onConnect(from, c, now);
    } else if (msg instanceof PunchMessage.Accept a) {
      // Only the responder's registered address: nobody else can send an Accept to the initiator.
      if (!registeredAt(Identity.idOf(a.responderKey()), from)) {
        unregisteredSender++;
        return;
      }
      if (a.observedByRendezvous() != null || !PunchCodec.verify(a)) {
        badSignature++;
        return;
      }
      forward(a.session(), a.initiatorId(), from, new PunchMessage.Accept(a.session(), a.responderKey(),
          a.initiatorId(), a.hint(), a.candidates(), a.signature(), a.cookie(), from));
    } else if (msg instanceof PunchMessage.Sync y) {
      if (!byAddress.containsKey(from)) {
        unregisteredSender++;
        return;
      }
      forward(y.session(), y.targetId(), from, y);
    } else if (msg instanceof PunchMessage.Observe o) {
      send(socket, from, new PunchMessage.Observed(o.txid(), from));
    } else if (msg instanceof PunchMessage.DialBackRequest r) {
      onDialBackRequest(from, r);
    } else if (msg instanceof PunchMessage.DialBackOrder o) {
      if (!trustedPartners.contains(from)) {
        untrustedOrders++;
        return;
      }
      send(0, o.target(), new PunchMessage.DialBack(o.nonce()));
    } else {
      malformed++; // messages a rendezvous never receives
    }
  }

  /**
   * Forward a Connect only from the address its initiator registered from (so the address the
   * target learns is one that registration claims), within the initiator's Connect budget and
   * within the budget of the initiator's network towards the target (so that many ids on a few
   * networks cannot flood one target).
   */
  private void onConnect(InetSocketAddress from, PunchMessage.Connect c, long now) {
    Registration initiator = registrations.get(Identity.idOf(c.initiatorKey()));
    if (initiator == null || !initiator.address.equals(from)) {
      unregisteredSender++; // silent: the initiator's retry registers again
      return;
    }
    // Both budgets must have room before the signature is checked, and are charged only after it
    // holds: a spoofer of the initiator's address cannot sign, so it cannot spend them.
    TokenBucket network = targetBudget(c.targetId(), from, now);
    if (!initiator.connects.has(1, now) || (network != null && !network.has(1, now))) {
      overRate++;
      return;
    }
    if (c.observedByRendezvous() != null || !PunchCodec.verify(c)) {
      badSignature++; // spoofed or pre-stamped punch requests stop here
      return;
    }
    initiator.connects.take(1);
    if (network != null) network.take(1);
    forward(c.session(), c.targetId(), from, new PunchMessage.Connect(c.session(), c.initiatorKey(),
        c.targetId(), c.hint(), c.candidates(), c.signature(), from));
  }

  /**
   * Return the Connect budget of {@code from}'s network towards {@code targetId}, or null if the
   * target is not registered (the Connect is refused as such).
   */
  private TokenBucket targetBudget(byte[] targetId, InetSocketAddress from, long now) {
    Optional<NodeId> target = NodeId.tryOf(targetId);
    if (target.isEmpty() || !registrations.containsKey(target.get())) {
      return null;
    }
    String key = target.get() + networkKey(from);
    TokenBucket b = targetBudgets.get(key);
    if (b == null) {
      b = new TokenBucket(limits.targetConnectsPerSecond(), limits.targetConnectBurst(), now);
      targetBudgets.put(key, b);
      if (targetBudgets.size() > 4L * maxRegistrations) {
        Iterator<String> eldest = targetBudgets.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    return b;
  }

  private boolean registeredAt(NodeId id, InetSocketAddress from) {
    Registration r = registrations.get(id);
    return r != null && r.address.equals(from);
  }

  private void onRegister(InetSocketAddress from, PunchMessage.Register r, long now) {
    NodeId id = Identity.idOf(r.publicKey());
    Registration old = registrations.get(id);
    long floor = old != null ? old.seq : tombstones.getOrDefault(id, Long.MIN_VALUE);
    if (r.seq() <= floor) {
      replayedRegister++; // a replay could redirect the node's traffic to the replayer
      return;
    }
    if (!Identity.verify(r.publicKey(), PunchCodec.REGISTER_DOMAIN,
        PunchCodec.registerSigned(r.publicKey(), r.seq()), r.signature())) {
      badSignature++;
      return;
    }
    if (old == null || !sameKeys(old.address, from)) {
      if (!makeRoom(from, old, now)) {
        full++;
        return;
      }
    }
    if (old == null) {
      old = new Registration(id, from, r.seq(), now, limits);
      registrations.put(id, old);
      tombstones.remove(id);
      index(old, +1);
    } else {
      index(old, -1);
      old.address = from;
      old.seq = r.seq();
      old.lastSeen = now;
      index(old, +1);
    }
    send(0, from, new PunchMessage.Registered(from));
  }

  private static boolean sameKeys(InetSocketAddress a, InetSocketAddress b) {
    return ipKey(a).equals(ipKey(b));
  }

  /**
   * Make room for a registration from {@code from} ({@code moving}: the node's own registration
   * when it moves there, which frees its old place): evict a stale registration of the same IP if
   * the IP is full, else of the same network if that is full, else the least recently heard one
   * if the table is full. Return false if the room needed is held by live registrations only.
   */
  private boolean makeRoom(InetSocketAddress from, Registration moving, long now) {
    String ip = ipKey(from);
    String net = networkKey(from);
    if (perKey.getOrDefault(ip, 0) >= limits.perIp()) {
      return evictStale(x -> ipKey(x.address).equals(ip), moving, now);
    }
    if (perKey.getOrDefault(net, 0) >= limits.perNetwork()) {
      return evictStale(x -> networkKey(x.address).equals(net), moving, now);
    }
    if (moving == null && registrations.size() >= maxRegistrations) {
      return evictStale(x -> true, null, now);
    }
    return true;
  }

  private boolean evictStale(java.util.function.Predicate<Registration> which, Registration keep, long now) {
    // Least recently heard first: the first match is the stalest one.
    for (Iterator<Registration> it = registrations.values().iterator(); it.hasNext(); ) {
      Registration x = it.next();
      if (x != keep && which.test(x)) {
        if (now - x.lastSeen < limits.staleMs()) {
          return false;
        }
        it.remove();
        index(x, -1);
        tombstones.put(x.id, x.seq);
        if (tombstones.size() > 4L * maxRegistrations) {
          Iterator<NodeId> eldest = tombstones.keySet().iterator();
          eldest.next();
          eldest.remove();
        }
        return true;
      }
    }
    return false;
  }

  private void index(Registration r, int delta) {
    if (delta > 0) {
      byAddress.put(r.address, r);
    } else {
      byAddress.remove(r.address, r);
    }
    for (String k : new String[] {ipKey(r.address), networkKey(r.address)}) {
      perKey.merge(k, delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  /** Return the per-IP key of {@code a}: its IPv4 address or IPv6 /64. */
  static String ipKey(InetSocketAddress a) {
    byte[] b = a.getAddress().getAddress();
    return "h" + Arrays.toString(Arrays.copyOf(b, b.length == 4 ? 4 : 8));
  }

  /** Return the network key of {@code a}: its IPv4 /24 or IPv6 /48. */
  static String networkKey(InetSocketAddress a) {
    byte[] b = a.getAddress().getAddress();
    return "n" + Arrays.toString(Arrays.copyOf(b, b.length == 4 ? 3 : 6));
  }

  private void forward(long session, byte[] targetId, InetSocketAddress from, PunchMessage m) {
    Optional<NodeId> id = NodeId.tryOf(targetId);
    Registration r = id.map(registrations::get).orElse(null);
    if (r == null) {
      unknownTarget++;
      send(0, from, new PunchMessage.Refused(session, REFUSED_UNKNOWN_TARGET));
      return;
    }
    forwarded++;
    send(0, r.address, m);
  }

  private void onDialBackRequest(InetSocketAddress from, PunchMessage.DialBackRequest r) {
    if (DialBackRule.check(from, r.target()) != DialBackRule.Verdict.ALLOW) {
      dialBackRefused++;
      return;
    }
    if (r.fromOtherHost()) {
      if (helper == null) {
        dialBackRefused++;
        return;
      }
      send(0, helper, new PunchMessage.DialBackOrder(r.nonce(), from));
    } else {
      send(1, from, new PunchMessage.DialBack(r.nonce()));
    }
  }

  private void send(int socket, InetSocketAddress to, PunchMessage m) {
    transmits.add(new PunchTransmit(socket, to, PunchCodec.encode(m)));
  }

  /** Return the next datagram to send. */
  public Optional<PunchTransmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return where {@code id} last registered from, if it is registered. */
  public Optional<InetSocketAddress> registered(NodeId id) {
    Registration r = registrations.get(id);
    return r == null ? Optional.empty() : Optional.of(r.address);
  }

  /** Return how many nodes are registered. */
  public int registrationCount() {
    return registrations.size();
  }

  /** Return the refusal counters. */
  public Counters counters() {
    return new Counters(malformed, badSignature, replayedRegister, unknownTarget, dialBackRefused,
        untrustedOrders, forwarded, unregisteredSender, overRate, full);
  }

  /** Return the registrations for diagnostics, in least-recently-heard order. */
  Map<NodeId, InetSocketAddress> snapshot() {
    Map<NodeId, InetSocketAddress> out = new LinkedHashMap<>();
    registrations.forEach((k, v) -> out.put(k, v.address));
    return out;
  }
}
