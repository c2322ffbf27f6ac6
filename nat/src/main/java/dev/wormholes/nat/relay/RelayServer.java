package dev.wormholes.nat.relay;

import dev.wormholes.nat.Networks;
import dev.wormholes.proto.engine.TokenBucket;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The relay's engine, sans-I/O: circuits between a requester (the address its Open came from) and
 * a target registered with this node (found through the registration lookup handed in, in the
 * node: the rendezvous registrations), forwarding {@link RelayMessage.Data} datagrams unchanged,
 * both ways, only on established circuits and only between the two bound addresses.
 *
 * <p>An open: the requester's {@link RelayMessage.Open} creates a pending circuit and sends the
 * target an {@link RelayMessage.Incoming}; the target's {@link RelayMessage.Accept} (from the
 * address the Incoming went to) establishes it and sends the requester {@link
 * RelayMessage.Opened}. Repeated Opens with the same nonce are the same open (the Incoming is sent
 * again, at most every {@link RelayLimits#incomingResendMs()}). A target that does not accept in
 * {@link RelayLimits#pendingTimeoutMs()} gets the requester a {@link RelayMessage.Refused}.
 *
 * <p>Limits ({@link RelayLimits}): circuits in all, per requester IP (IPv6: per /64), per
 * target and per requester IP per target (so that one requester cannot take a target's whole
 * quota); byte-rate token buckets per circuit and per sending IP (a Data datagram over either is
 * dropped and counted, which QUIC's congestion control reads as loss and slows down for); idle
 * expiry. Memory is bounded by {@code maxCircuits}: every map here holds at most one entry per
 * circuit or two per circuit (IP states). No answer to an Open is larger than the Open
 * ({@link RelayCodec#OPEN_SIZE} bytes), so the relay amplifies nothing.
 *
 * <p>Everything refused is counted ({@link #counters()}). Single-threaded. Polling: after every
 * {@code handle*} call drain {@link #pollTransmit()}; call {@link #handleTimeout} at
 * {@link #pollTimeout()}.
 */
public final class RelayServer {

  /**
   * What the relay did and refused.
   *
   * @param opened circuits established
   * @param unknownTarget opens refused: target not registered
   * @param overCapacity opens refused: relay full
   * @param overQuota opens refused: requester IP or target at its circuit quota
   * @param notServing opens refused while not serving
   * @param self opens refused: the target was the requester itself
   * @param targetTimeouts pending circuits the target never accepted
   * @param idleClosed circuits closed for idleness
   * @param closedByEnds circuits closed by one of their ends
   * @param malformed datagrams that did not decode
   * @param unknownCircuit Data, Accept, Close or Keepalive naming no circuit here (or Data on a
   *     pending one)
   * @param wrongSource Data, Accept, Close or Keepalive from an address the circuit is not bound to
   * @param rateLimitedPackets Data dropped over a circuit's or an IP's byte rate
   * @param rateLimitedBytes their bytes
   * @param forwardedPackets Data forwarded
   * @param forwardedBytes their bytes (whole datagrams)
   * @param rebinds targets found at a new registered address mid-circuit
   * @param keepalives Keepalives from a circuit's ends (they refresh the circuit)
   * @param unexpected messages a relay never receives (Opened, Refused, Incoming)
   */
  public record Counters(long opened, long unknownTarget, long overCapacity, long overQuota,
      long notServing, long self, long targetTimeouts, long idleClosed, long closedByEnds,
      long malformed, long unknownCircuit, long wrongSource, long rateLimitedPackets,
      long rateLimitedBytes, long forwardedPackets, long forwardedBytes, long rebinds,
      long keepalives, long unexpected) {

    /** Return every open refused, for any reason. */
    public long refusedOpens() {
      return unknownTarget + overCapacity + overQuota + notServing + self + targetTimeouts;
    }

    /** Return every datagram dropped without forwarding. */
    public long droppedDatagrams() {
      return malformed + unknownCircuit + wrongSource + rateLimitedPackets + unexpected;
    }
  }

  /** Per IP (IPv6: per /64): circuits it requested, circuits referring to it, its byte bucket. */
  private static final class IpState {
    int requested;
    int refs;
    final TokenBucket bucket;

    IpState(TokenBucket bucket) {
      this.bucket = bucket;
    }
  }

  private final class Circuit {
    final long id;
    final InetSocketAddress requester;
    final long nonce;
    final NodeId target;
    final TokenBucket bucket;
    final long created;
    InetSocketAddress targetAddress;
    boolean established;
    long lastActive;
    long lastIncoming;

    Circuit(long id, InetSocketAddress requester, long nonce, NodeId target,
        InetSocketAddress targetAddress, long now) {
      this.id = id;
      this.requester = requester;
      this.nonce = nonce;
      this.target = target;
      this.targetAddress = targetAddress;
      this.created = now;
      this.lastActive = now;
      this.lastIncoming = now;
      this.bucket = new TokenBucket(limits.circuitBytesPerSecond(), limits.circuitBurstBytes(), now);
    }
  }

  private record OpenKey(InetSocketAddress requester, long nonce) {}

  /** A requester's quota key (IP or IPv6 /64) and a target: its share of the target's quota. */
  private record Share(InetAddress requester, NodeId target) {}

  private final RelayLimits limits;
  private final Function<NodeId, Optional<InetSocketAddress>> registrations;
  private final RandomGenerator random;
  // All state below holds at most maxCircuits circuits (IP states: two per circuit).
  private final LinkedHashMap<Long, Circuit> circuits = new LinkedHashMap<>();
  private final Map<OpenKey, Circuit> opens = new HashMap<>();
  private final Map<InetAddress, IpState> ips = new HashMap<>();
  private final Map<NodeId, Integer> perTarget = new HashMap<>();
  private final Map<Share, Integer> perShare = new HashMap<>();
  private final Queue<Transmit> transmits = new ArrayDeque<>();
  private final long sweepEveryMs;
  private boolean serving = true;
  private long nextSweep = Long.MAX_VALUE;
  private long established;
  // counters
  private long opened, unknownTarget, overCapacity, overQuota, notServing, self, targetTimeouts,
      idleClosed, closedByEnds, malformed, unknownCircuit, wrongSource, rateLimitedPackets,
      rateLimitedBytes, forwardedPackets, forwardedBytes, rebinds, keepalives, unexpected;

  /**
   * Relay under {@code limits}, finding targets through {@code registrations} (node id to the
   * address it registered from; called on this engine's thread), drawing circuit ids from
   * {@code random}.
   */
  public RelayServer(RelayLimits limits, Function<NodeId, Optional<InetSocketAddress>> registrations,
      RandomGenerator random) {
    this.limits = limits;
    this.registrations = registrations;
    this.random = random;
    this.sweepEveryMs = Math.max(10, Math.min(limits.pendingTimeoutMs(), limits.idleTimeoutMs()) / 4);
  }

  /** Accept new opens ({@code true}, the default) or refuse them with NOT_SERVING; circuits stay. */
  public void setServing(boolean serving) {
    this.serving = serving;
  }

  /** Feed a datagram from {@code from}; takes ownership of {@code bytes} (a Data is forwarded as is). */
  public void handleDatagram(InetSocketAddress from, byte[] bytes, long now) {
    RelayDecoded d = RelayCodec.decode(bytes);
    if (d instanceof RelayDecoded.Ok ok) {
      handleMessage(from, ok.message(), now);
    } else {
      malformed++;
    }
  }

  /** Count a datagram that did not decode (for drivers that decode once for several engines). */
  public void countMalformed() {
    malformed++;
  }

  /** Feed a decoded message from {@code from}. */
  public void handleMessage(InetSocketAddress from, RelayMessage m, long now) {
    if (m instanceof RelayMessage.Data d) {
      onData(from, d, now);
    } else if (m instanceof RelayMessage.Open o) {
      onOpen(from, o, now);
    } else if (m instanceof RelayMessage.Accept a) {
      onAccept(from, a, now);
    } else if (m instanceof RelayMessage.Close c) {
      onClose(from, c);
    } else if (m instanceof RelayMessage.Keepalive k) {
      onKeepalive(from, k, now);
    } else {
      unexpected++;
    }
  }

  // ---- opens

  private void onOpen(InetSocketAddress from, RelayMessage.Open o, long now) {
    Circuit known = opens.get(new OpenKey(from, o.nonce()));
    if (known != null) {
      repeatOpen(known, now);
      return;
    }
    RelayReason refusal = admit(from, o.target());
    Optional<InetSocketAddress> target = refusal == null ? registrations.apply(o.target()) : Optional.empty();
    if (refusal == null && target.isEmpty()) {
      refusal = RelayReason.UNKNOWN_TARGET;
    } else if (refusal == null && target.get().equals(from)) {
      refusal = RelayReason.SELF;
    }
    if (refusal != null) {
      count(refusal);
      send(from, new RelayMessage.Refused(o.nonce(), refusal));
      return;
    }
    Circuit c = new Circuit(freshId(), from, o.nonce(), o.target(), target.get(), now);
    circuits.put(c.id, c);
    opens.put(new OpenKey(from, o.nonce()), c);
    ipState(from, now).requested++;
    ipState(c.targetAddress, now);
    perTarget.merge(c.target, 1, Integer::sum);
    perShare.merge(new Share(ipKey(from), c.target), 1, Integer::sum);
    send(c.targetAddress, new RelayMessage.Incoming(c.id));
    if (nextSweep == Long.MAX_VALUE) {
      nextSweep = now + sweepEveryMs;
    }
  }

  /** Return why an open from {@code from} to {@code target} may not be admitted, or null. */
  private RelayReason admit(InetSocketAddress from, NodeId target) {
    if (!serving) {
      return RelayReason.NOT_SERVING;
    }
    if (circuits.size() >= limits.maxCircuits()) {
      return RelayReason.OVER_CAPACITY;
    }
    IpState ip = ips.get(ipKey(from));
    if (ip != null && ip.requested >= limits.maxCircuitsPerIp()
        || perTarget.getOrDefault(target, 0) >= limits.maxCircuitsPerTarget()
        || perShare.getOrDefault(new Share(ipKey(from), target), 0) >= limits.maxCircuitsPerIpPerTarget()) {
      return RelayReason.OVER_QUOTA;
    }
    return null;
  }

  private void count(RelayReason r) {
    if (r.equals(RelayReason.NOT_SERVING)) {
      notServing++;
    } else if (r.equals(RelayReason.OVER_CAPACITY)) {
      overCapacity++;
    } else if (r.equals(RelayReason.OVER_QUOTA)) {
      overQuota++;
    } else if (r.equals(RelayReason.SELF)) {
      self++;
    } else {
      unknownTarget++;
    }
  }

  /** A retried Open: answer again if established, else nudge the target (rate-limited). */
  private void repeatOpen(Circuit c, long now) {
    if (c.established) {
      send(c.requester, new RelayMessage.Opened(c.nonce, c.id));
    } else if (now - c.lastIncoming >= limits.incomingResendMs()) {
      c.lastIncoming = now;
      send(c.targetAddress, new RelayMessage.Incoming(c.id));
    }
  }

  private long freshId() {
    long id;
    do {
      id = random.nextLong();
    } while (id == 0 || circuits.containsKey(id));
    return id;
  }

  private void onAccept(InetSocketAddress from, RelayMessage.Accept a, long now) {
    Circuit c = circuits.get(a.circuit());
    if (c == null) {
      unknownCircuit++;
    } else if (!from.equals(c.targetAddress)) {
      wrongSource++;
    } else if (!c.established) {
      c.established = true;
      c.lastActive = now;
      established++;
      opened++;
      send(c.requester, new RelayMessage.Opened(c.nonce, c.id));
    }
  }

  // ---- forwarding

  private void onData(InetSocketAddress from, RelayMessage.Data d, long now) {
    Circuit c = circuits.get(d.circuit());
    if (c == null || !c.established) {
      unknownCircuit++;
      return;
    }
    InetSocketAddress to = otherEnd(c, from);
    if (to == null) {
      wrongSource++;
      return;
    }
    int n = d.datagram().length;
    IpState ip = ips.get(ipKey(from));
    if (!c.bucket.has(n, now) || ip == null || !ip.bucket.has(n, now)) {
      rateLimitedPackets++;
      rateLimitedBytes += n;
      return;
    }
    c.bucket.take(n);
    ip.bucket.take(n);
    c.lastActive = now;
    forwardedPackets++;
    forwardedBytes += n;
    transmits.add(new Transmit(to, d.datagram()));
  }

  /** Return the end of {@code c} that is not {@code from}, or null if {@code from} is neither. */
  private InetSocketAddress otherEnd(Circuit c, InetSocketAddress from) {
    if (from.equals(c.requester)) {
      return c.targetAddress;
    }
    if (from.equals(c.targetAddress)) {
      return c.requester;
    }
    // The target may have moved (a NAT rebinding): believe its current registration only.
    Optional<InetSocketAddress> now = registrations.apply(c.target);
    if (now.isPresent() && now.get().equals(from) && !from.equals(c.requester)) {
      rebind(c, from);
      return c.requester;
    }
    return null;
  }

  private void rebind(Circuit c, InetSocketAddress to) {
    release(c.targetAddress);
    c.targetAddress = to;
    ipState(to, c.lastActive);
    rebinds++;
  }

  private void onClose(InetSocketAddress from, RelayMessage.Close m) {
    Circuit c = circuits.get(m.circuit());
    if (c == null) {
      unknownCircuit++;
      return;
    }
    InetSocketAddress other = from.equals(c.requester) ? c.targetAddress
        : from.equals(c.targetAddress) ? c.requester : null;
    if (other == null) {
      wrongSource++;
      return;
    }
    closedByEnds++;
    remove(c);
    circuits.remove(c.id);
    if (c.established) {
      send(other, new RelayMessage.Close(c.id, RelayReason.BY_PEER));
    } else if (other == c.requester) {
      send(other, new RelayMessage.Refused(c.nonce, RelayReason.BY_PEER));
    }
  }

  private void onKeepalive(InetSocketAddress from, RelayMessage.Keepalive k, long now) {
    Circuit c = circuits.get(k.circuit());
    if (c == null || !c.established) {
      unknownCircuit++;
    } else if (otherEnd(c, from) == null) {
      wrongSource++;
    } else {
      c.lastActive = now;
      keepalives++;
    }
  }

  // ---- time

  /** Return when {@link #handleTimeout} should run next, if anything waits for time. */
  public OptionalLong pollTimeout() {
    return circuits.isEmpty() ? OptionalLong.empty() : OptionalLong.of(nextSweep);
  }

  /** Expire pending opens (refusing them to the requester) and idle circuits (closing both ends). */
  public void handleTimeout(long now) {
    if (now < nextSweep) {
      return;
    }
    for (Iterator<Circuit> it = circuits.values().iterator(); it.hasNext(); ) {
      Circuit c = it.next();
      if (!c.established && now - c.created >= limits.pendingTimeoutMs()) {
        targetTimeouts++;
        remove(c);
        it.remove();
        send(c.requester, new RelayMessage.Refused(c.nonce, RelayReason.TARGET_TIMEOUT));
      } else if (c.established && now - c.lastActive >= limits.idleTimeoutMs()) {
        idleClosed++;
        remove(c);
        it.remove();
        send(c.requester, new RelayMessage.Close(c.id, RelayReason.IDLE));
        send(c.targetAddress, new RelayMessage.Close(c.id, RelayReason.IDLE));
      }
    }
    nextSweep = circuits.isEmpty() ? Long.MAX_VALUE : now + sweepEveryMs;
  }

  /** Close every circuit, telling both ends (shutdown). */
  public void closeAll() {
    for (Circuit c : circuits.values()) {
      remove(c);
      if (c.established) {
        send(c.requester, new RelayMessage.Close(c.id, RelayReason.SHUTDOWN));
        send(c.targetAddress, new RelayMessage.Close(c.id, RelayReason.SHUTDOWN));
      }
    }
    circuits.clear();
    nextSweep = Long.MAX_VALUE;
  }

  // ---- bookkeeping

  /** Drop every reference of {@code c} except its entry in {@link #circuits} (callers remove it). */
  private void remove(Circuit c) {
    opens.remove(new OpenKey(c.requester, c.nonce));
    IpState r = ips.get(ipKey(c.requester));
    if (r != null) {
      r.requested--;
    }
    release(c.requester);
    release(c.targetAddress);
    perTarget.computeIfPresent(c.target, (k, v) -> v <= 1 ? null : v - 1);
    perShare.computeIfPresent(new Share(ipKey(c.requester), c.target), (k, v) -> v <= 1 ? null : v - 1);
    if (c.established) {
      established--;
    }
  }

  private IpState ipState(InetSocketAddress a, long now) {
    IpState s = ips.computeIfAbsent(ipKey(a),
        k -> new IpState(new TokenBucket(limits.ipBytesPerSecond(), limits.ipBurstBytes(), now)));
    s.refs++;
    return s;
  }

  private void release(InetSocketAddress a) {
    InetAddress k = ipKey(a);
    IpState s = ips.get(k);
    if (s != null && --s.refs <= 0) {
      ips.remove(k);
    }
  }

  /** Return the quota key of {@code a}: its IPv4 address, or its IPv6 /64. */
  static InetAddress ipKey(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    if (ip instanceof Inet6Address) {
      return Networks.ofBytes(Arrays.copyOf(Arrays.copyOf(ip.getAddress(), 8), 16));
    }
    return ip;
  }

  private void send(InetSocketAddress to, RelayMessage m) {
    transmits.add(new Transmit(to, RelayCodec.encode(m)));
  }

  /** Return the next datagram to send. */
  public Optional<Transmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return the circuits held, pending ones included. */
  public int circuitCount() {
    return circuits.size();
  }

  /** Return the established circuits. */
  public int establishedCount() {
    return (int) established;
  }

  /** Return the number of per-IP states held (at most two per circuit). */
  public int ipStateCount() {
    return ips.size();
  }

  /** Return the counters. */
  public Counters counters() {
    return new Counters(opened, unknownTarget, overCapacity, overQuota, notServing, self,
        targetTimeouts, idleClosed, closedByEnds, malformed, unknownCircuit, wrongSource,
        rateLimitedPackets, rateLimitedBytes, forwardedPackets, forwardedBytes, rebinds, keepalives,
        unexpected);
  }
}
