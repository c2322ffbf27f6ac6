package dev.wormholes.nat.relay;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * One end's relay engine, sans-I/O: opens circuits through relays (retrying the Open until
 * answered or out of attempts), accepts incoming circuits only from the relays this node uses,
 * and keeps every circuit behind a {@link SyntheticAddresses synthetic address} that the node's
 * QUIC codecs use as the peer address: {@link #wrap} turns a QUIC packet for a synthetic address
 * into a Data datagram to the circuit's relay; a Data datagram from a relay becomes a
 * {@link RelayEvent.Packet} for the synthetic address. Circuits without traffic for
 * {@link Settings#idleTimeoutMs()} are closed (the relay is told); a circuit that sent nothing for
 * {@link Settings#keepaliveMs()} sends the relay a Keepalive. An Incoming is trusted by its source
 * address only, so what one costs is bounded: at most {@link #MAX_UNPROVEN_INCOMING} incoming
 * circuits that carried no Data yet are held (a new one displaces the oldest), such a circuit
 * sends no Keepalive and closes silently, and its one answer (Accept) is no larger than it.
 *
 * <p>Single-threaded. Polling: after every {@code handle*}, {@link #open}, {@link #wrap} or
 * {@link #close} call drain {@link #pollTransmit()} and {@link #pollEvent()}; call
 * {@link #handleTimeout} at {@link #pollTimeout()}.
 */
public final class RelayClient {

  /**
   * Client settings.
   *
   * @param retryMs time between Open attempts
   * @param attempts Opens sent before the open fails with NO_ANSWER
   * @param idleTimeoutMs close a circuit after this long without Data either way
   * @param maxCircuits circuits held at most (outgoing and incoming; further Incoming ignored)
   * @param keepaliveMs send a Keepalive on a circuit that sent nothing for this long, so that
   *     this node's NAT binding to the relay outlives quiet spells (30 s NAT timeouts are common)
   */
  public record Settings(long retryMs, int attempts, long idleTimeoutMs, int maxCircuits,
      long keepaliveMs) {
    /**
     * Return the defaults: an Open every 500 ms, 8 attempts, 100 s idle, 1024 circuits, a
     * Keepalive after 15 s without sending.
     */
    public static Settings defaults() {
      return new Settings(500, 8, 100_000, 1024, 15_000);
    }
  }

  /**
   * What the client did and refused.
   *
   * @param opened opens that succeeded
   * @param refused opens a relay refused
   * @param unanswered opens that ran out of attempts
   * @param incomingAccepted circuits accepted from trusted relays
   * @param untrustedIncoming Incoming from relays this node does not use (ignored)
   * @param overCapacity Incoming or opens beyond {@link Settings#maxCircuits()}
   * @param unknownCircuit Data or Close for no circuit of ours from that relay
   * @param stray Opened/Refused matching no pending open
   * @param malformed datagrams that did not decode
   * @param unroutable QUIC packets for a synthetic address without a circuit, or too large
   * @param packetsIn Data received
   * @param packetsOut Data sent
   * @param keepalives Keepalives sent
   */
  public record Counters(long opened, long refused, long unanswered, long incomingAccepted,
      long untrustedIncoming, long overCapacity, long unknownCircuit, long stray, long malformed,
      long unroutable, long packetsIn, long packetsOut, long keepalives) {}

  private record Key(InetSocketAddress relay, long circuit) {}

  private static final class Pending {
    final long request;
    final InetSocketAddress relay;
    final byte[] open;
    int sent;
    long nextSend;

    Pending(long request, InetSocketAddress relay, byte[] open) {
      this.request = request;
      this.relay = relay;
      this.open = open;
    }
  }

  private static final class Circuit {
    final Key key;
    final InetSocketAddress synthetic;
    long lastActive;
    long lastSent;
    // An incoming circuit is unproven until Data arrives on it: its Incoming (13 bytes, trusted
    // by source address only) may be spoofed.
    boolean unproven;

    Circuit(Key key, InetSocketAddress synthetic, long now) {
      this.key = key;
      this.synthetic = synthetic;
      this.lastActive = now;
      this.lastSent = now;
    }
  }

  /**
   * Incoming circuits held at once without Data yet: a flood of spoofed Incomings displaces its
   * own oldest ones and never holds more than this many of the {@link Settings#maxCircuits()}.
   */
  static final int MAX_UNPROVEN_INCOMING = 32;

  private final Settings settings;
  private final Predicate<InetSocketAddress> trustedRelays;
  private final RandomGenerator random;
  // Bounded by settings.maxCircuits (circuits and pending opens together).
  private final LinkedHashMap<Long, Pending> pending = new LinkedHashMap<>();
  private final Map<Key, Circuit> byKey = new HashMap<>();
  private final LinkedHashMap<InetSocketAddress, Circuit> bySynthetic = new LinkedHashMap<>();
  private int unprovenIncoming;
  private final Queue<Transmit> transmits = new ArrayDeque<>();
  private final Queue<RelayEvent> events = new ArrayDeque<>();
  private long nextSynthetic = 1;
  private long nextIdleSweep = Long.MAX_VALUE;
  private long opened, refused, unanswered, incomingAccepted, untrustedIncoming, overCapacity,
      unknownCircuit, stray, malformed, unroutable, packetsIn, packetsOut, keepalives;

  /**
   * Open circuits under {@code settings}; accept incoming circuits only from relays
   * {@code trustedRelays} accepts (asked on this engine's thread at each Incoming); draw open
   * nonces from {@code random}.
   */
  public RelayClient(Settings settings, Predicate<InetSocketAddress> trustedRelays,
      RandomGenerator random) {
    this.settings = settings;
    this.trustedRelays = trustedRelays;
    this.random = random;
  }

  /**
   * Ask {@code relay} for a circuit to {@code target}; return the request id that the
   * {@link RelayEvent.Opened} or {@link RelayEvent.OpenFailed} event will carry.
   */
  public long open(InetSocketAddress relay, NodeId target, long now) {
    long request;
    do {
      request = random.nextLong();
    } while (pending.containsKey(request));
    if (pending.size() + bySynthetic.size() >= settings.maxCircuits()) {
      overCapacity++;
      events.add(new RelayEvent.OpenFailed(request, relay, RelayReason.OVER_CAPACITY));
      return request;
    }
    Pending p = new Pending(request, relay, RelayCodec.encode(new RelayMessage.Open(request, target)));
    pending.put(request, p);
    sendOpen(p, now);
    return request;
  }

  private void sendOpen(Pending p, long now) {
    p.sent++;
    p.nextSend = now + settings.retryMs();
    transmits.add(new Transmit(p.relay, p.open.clone()));
  }

  /** Feed a datagram from {@code from}; return whether it was for this client (see {@link #handleMessage}). */
  public boolean handleDatagram(InetSocketAddress from, byte[] bytes, long now) {
    RelayDecoded d = RelayCodec.decode(bytes);
    if (d instanceof RelayDecoded.Ok ok) {
      return handleMessage(from, ok.message(), now);
    }
    malformed++;
    return true;
  }

  /**
   * Feed a decoded message from {@code from}. Return false for what a relay, not an end, handles
   * (Open, Accept, and Data or Close naming no circuit this client holds with {@code from}),
   * so that a node that is both can hand those to its {@link RelayServer}; such misses are not
   * counted here.
   */
  public boolean handleMessage(InetSocketAddress from, RelayMessage m, long now) {
    if (m instanceof RelayMessage.Data d) {
      return onData(from, d, now);
    } else if (m instanceof RelayMessage.Close c) {
      return onClose(from, c);
    } else if (m instanceof RelayMessage.Opened o) {
      onOpened(from, o, now);
    } else if (m instanceof RelayMessage.Refused r) {
      onRefused(from, r);
    } else if (m instanceof RelayMessage.Incoming i) {
      onIncoming(from, i, now);
    } else {
      return false;
    }
    return true;
  }

  /** Count a datagram that did not decode (for drivers that decode once for several engines). */
  public void countMalformed() {
    malformed++;
  }

  /** Count a miss that neither this client nor a relay engine took. */
  public void countUnknownCircuit() {
    unknownCircuit++;
  }

  private boolean onData(InetSocketAddress from, RelayMessage.Data d, long now) {
    Circuit c = byKey.get(new Key(from, d.circuit()));
    if (c == null) {
      return false;
    }
    c.lastActive = now;
    if (c.unproven) {
      c.unproven = false;
      unprovenIncoming--;
    }
    packetsIn++;
    events.add(new RelayEvent.Packet(c.synthetic, d.datagram(), d.packetOffset(), d.packetLength()));
    return true;
  }

  private boolean onClose(InetSocketAddress from, RelayMessage.Close m) {
    Circuit c = byKey.get(new Key(from, m.circuit()));
    if (c == null) {
      return false;
    }
    forget(c);
    events.add(new RelayEvent.Closed(c.synthetic, m.reason()));
    return true;
  }

  private void onOpened(InetSocketAddress from, RelayMessage.Opened o, long now) {
    Pending p = pending.get(o.nonce());
    if (p == null || !p.relay.equals(from)) {
      Circuit known = byKey.get(new Key(from, o.circuit()));
      if (known == null) {
        stray++; // a late duplicate of an Opened we already used is harmless; others are counted
      }
      return;
    }
    pending.remove(o.nonce());
    Key key = new Key(from, o.circuit());
    if (byKey.containsKey(key)) {
      stray++; // a relay reusing a live circuit id for another open: refuse to alias them
      events.add(new RelayEvent.OpenFailed(p.request, from, RelayReason.UNKNOWN_CIRCUIT));
      return;
    }
    Circuit c = add(key, now);
    opened++;
    events.add(new RelayEvent.Opened(p.request, from, c.synthetic));
  }

  private void onRefused(InetSocketAddress from, RelayMessage.Refused r) {
    Pending p = pending.get(r.nonce());
    if (p == null || !p.relay.equals(from)) {
      stray++;
      return;
    }
    pending.remove(r.nonce());
    refused++;
    events.add(new RelayEvent.OpenFailed(p.request, from, r.reason()));
  }

  private void onIncoming(InetSocketAddress from, RelayMessage.Incoming i, long now) {
    if (!trustedRelays.test(from)) {
      untrustedIncoming++;
      return;
    }
    Key key = new Key(from, i.circuit());
    if (!byKey.containsKey(key)) {
      if (unprovenIncoming >= MAX_UNPROVEN_INCOMING) {
        dropOldestUnproven();
      }
      if (pending.size() + bySynthetic.size() >= settings.maxCircuits()) {
        overCapacity++;
        return;
      }
      Circuit c = add(key, now);
      c.unproven = true;
      unprovenIncoming++;
      incomingAccepted++;
      events.add(new RelayEvent.Incoming(from, c.synthetic));
    }
    transmits.add(new Transmit(from, RelayCodec.encode(new RelayMessage.Accept(i.circuit()))));
  }

  private Circuit add(Key key, long now) {
    Circuit c = new Circuit(key, SyntheticAddresses.of(nextSynthetic++), now);
    byKey.put(key, c);
    bySynthetic.put(c.synthetic, c);
    if (nextIdleSweep == Long.MAX_VALUE) {
      nextIdleSweep = now + sweepEvery();
    }
    return c;
  }

  private long sweepEvery() {
    return Math.max(10, Math.min(settings.idleTimeoutMs() / 4, settings.keepaliveMs() / 3));
  }

  private void forget(Circuit c) {
    byKey.remove(c.key);
    bySynthetic.remove(c.synthetic);
    if (c.unproven) {
      c.unproven = false;
      unprovenIncoming--;
    }
  }

  /** Forget the oldest incoming circuit that carried no Data yet (counted as over capacity). */
  private void dropOldestUnproven() {
    for (Circuit c : bySynthetic.values()) {
      if (c.unproven) {
        overCapacity++;
        forget(c);
        events.add(new RelayEvent.Closed(c.synthetic, RelayReason.IDLE));
        return;
      }
    }
  }

  /**
   * Return the Data datagram that carries bytes {@code off .. off+len} of the QUIC packet
   * {@code packet} for {@code synthetic} to its relay, or empty (counted) if no circuit has that
   * address or the packet does not fit.
   */
  public Optional<Transmit> wrap(InetSocketAddress synthetic, byte[] packet, int off, int len, long now) {
    Circuit c = bySynthetic.get(synthetic);
    if (c == null || len < 1 || len > RelayCodec.MAX_PACKET) {
      unroutable++;
      return Optional.empty();
    }
    c.lastActive = now;
    c.lastSent = now;
    packetsOut++;
    return Optional.of(new Transmit(c.key.relay(), RelayCodec.data(c.key.circuit(), packet, off, len).datagram()));
  }

  /** Close the circuit behind {@code synthetic} (telling its relay); no-op if there is none. */
  public void close(InetSocketAddress synthetic, RelayReason reason) {
    Circuit c = bySynthetic.get(synthetic);
    if (c != null) {
      forget(c);
      transmits.add(new Transmit(c.key.relay(), RelayCodec.encode(new RelayMessage.Close(c.key.circuit(), reason))));
      events.add(new RelayEvent.Closed(synthetic, reason));
    }
  }

  /** Return when {@link #handleTimeout} should run next, if anything waits for time. */
  public OptionalLong pollTimeout() {
    long t = bySynthetic.isEmpty() ? Long.MAX_VALUE : nextIdleSweep;
    for (Pending p : pending.values()) {
      t = Math.min(t, p.nextSend);
    }
    return t == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(t);
  }

  /** Resend or give up due opens; close idle circuits; send due keepalives. */
  public void handleTimeout(long now) {
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (now < p.nextSend) {
        continue;
      }
      if (p.sent >= settings.attempts()) {
        it.remove();
        unanswered++;
        events.add(new RelayEvent.OpenFailed(p.request, p.relay, RelayReason.NO_ANSWER));
      } else {
        sendOpen(p, now);
      }
    }
    if (now >= nextIdleSweep) {
      sweepIdle(now);
    }
  }

  private void sweepIdle(long now) {
    for (Circuit c : bySynthetic.values().toArray(new Circuit[0])) {
      if (now - c.lastActive >= settings.idleTimeoutMs() && c.unproven) {
        forget(c); // never carried Data: its Incoming may have been spoofed, so tell nobody
        events.add(new RelayEvent.Closed(c.synthetic, RelayReason.IDLE));
      } else if (now - c.lastActive >= settings.idleTimeoutMs()) {
        close(c.synthetic, RelayReason.IDLE);
      } else if (!c.unproven && now - c.lastSent >= settings.keepaliveMs()) {
        c.lastSent = now;
        keepalives++;
        transmits.add(new Transmit(c.key.relay(), RelayCodec.encode(new RelayMessage.Keepalive(c.key.circuit()))));
      }
    }
    nextIdleSweep = bySynthetic.isEmpty() ? Long.MAX_VALUE : now + sweepEvery();
  }

  /** Return the relay carrying the circuit behind {@code synthetic}, if there is one. */
  public Optional<InetSocketAddress> relayOf(InetSocketAddress synthetic) {
    Circuit c = bySynthetic.get(synthetic);
    return c == null ? Optional.empty() : Optional.of(c.key.relay());
  }

  /** Return the number of circuits held. */
  public int circuitCount() {
    return bySynthetic.size();
  }

  /** Return the number of opens waiting for an answer. */
  public int pendingCount() {
    return pending.size();
  }

  /** Return the next datagram to send. */
  public Optional<Transmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return the next event. */
  public Optional<RelayEvent> pollEvent() {
    return Optional.ofNullable(events.poll());
  }

  /** Return the counters. */
  public Counters counters() {
    return new Counters(opened, refused, unanswered, incomingAccepted, untrustedIncoming,
        overCapacity, unknownCircuit, stray, malformed, unroutable, packetsIn, packetsOut, keepalives);
  }
}
