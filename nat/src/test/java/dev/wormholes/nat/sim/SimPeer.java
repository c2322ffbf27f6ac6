package dev.wormholes.nat.sim;

import dev.wormholes.nat.punch.Candidate;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchEvent;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.nat.punch.Rendezvous;
import dev.wormholes.proto.Identity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Drivers of the real engines on a {@link VirtualNet}: a node running {@link HolePunch} (socket 0
 * on port 4000, birthday sockets on 40001..), and a public {@link Rendezvous} (ports 3478/3479).
 * Each drains every output after each input, as node/ will.
 */
public final class SimPeer {
  /** The main port of a simulated node. */
  public static final int PORT = 4000;

  /** Where a peer's outgoing datagrams go: {@link VirtualNet#send} unless a test filters them. */
  @FunctionalInterface
  public interface Wire {
    /** Send {@code bytes} from {@code from} to {@code to}. */
    void send(InetSocketAddress from, InetSocketAddress to, byte[] bytes);
  }

  final VirtualNet net;
  final InetAddress ip;
  final Identity identity;
  final HolePunch engine;
  final Map<Integer, InetSocketAddress> sockets = new HashMap<>();
  final List<PunchEvent> events = new ArrayList<>();
  private final NatHint hint;
  private final Wire wire;
  private long wake = Long.MAX_VALUE;

  /** A node at {@code ip} with NAT axes {@code hint}, punching through {@code rendezvous}. */
  public SimPeer(VirtualNet net, InetAddress ip, NatHint hint, InetSocketAddress rendezvous, long seed,
      HolePunch.Config config) {
    this(net, ip, hint, rendezvous, seed, config, net::send);
  }

  /** As above, but every datagram the node sends goes through {@code wire}. */
  public SimPeer(VirtualNet net, InetAddress ip, NatHint hint, InetSocketAddress rendezvous, long seed,
      HolePunch.Config config, Wire wire) {
    this.net = net;
    this.ip = ip;
    this.hint = hint;
    this.wire = wire;
    SplittableRandom r = new SplittableRandom(seed);
    this.identity = Identity.generate(r);
    this.engine = new HolePunch(config, identity, rendezvous, r, net::now);
    engine.setLocal(List.of(new Candidate(Candidate.Kind.LAN, new InetSocketAddress(ip, PORT))), hint);
    socket(0);
  }

  private InetSocketAddress socket(int index) {
    return sockets.computeIfAbsent(index, i -> {
      InetSocketAddress a = new InetSocketAddress(ip, i == 0 ? PORT : 40000 + i);
      net.bind(a, (local, from, bytes, now) -> {
        engine.handleDatagram(i, from, bytes, now);
        drain();
      });
      return a;
    });
  }

  /** Register with the rendezvous. */
  public void start() {
    engine.start(net.now());
    drain();
  }

  /** Connect to {@code other}. */
  public void connect(SimPeer other) {
    connect(other.identity.id());
  }

  /** Connect to the node {@code id}; return the session id. */
  public long connect(dev.wormholes.proto.NodeId id) {
    long session = engine.connect(id, net.now());
    drain();
    return session;
  }

  /** Send every pending datagram, record every event, and schedule the engine's next timeout. */
  public void drain() {
    for (var t = engine.pollTransmit(); t.isPresent(); t = engine.pollTransmit()) {
      PunchTransmit x = t.get();
      wire.send(socket(x.socket()), x.to(), x.payload());
    }
    for (var e = engine.pollEvent(); e.isPresent(); e = engine.pollEvent()) {
      events.add(e.get());
      if (e.get() instanceof PunchEvent.Registered r) {
        engine.setLocal(List.of(new Candidate(Candidate.Kind.LAN, new InetSocketAddress(ip, PORT)),
            new Candidate(Candidate.Kind.OBSERVED, r.observed())), hint);
      }
    }
    engine.pollTimeout().ifPresent(t -> {
      if (t < wake || wake <= net.now()) {
        wake = t;
        net.at(t, () -> {
          engine.handleTimeout(net.now());
          drain();
        });
      }
    });
  }

  /** Return the engine (for counters and commands). */
  public HolePunch engine() {
    return engine;
  }

  /** Return the node's identity. */
  public Identity identity() {
    return identity;
  }

  /** Return the node's main address. */
  public InetSocketAddress address() {
    return sockets.get(0);
  }

  /** Return the events seen, in order. */
  public List<PunchEvent> events() {
    return events;
  }

  /** Return the first path or failure event, if any. */
  public PunchEvent outcome() {
    for (PunchEvent e : events) {
      if (e instanceof PunchEvent.PathEstablished || e instanceof PunchEvent.PunchFailed) {
        return e;
      }
    }
    return null;
  }

  /** A rendezvous on the internet. */
  public static final class SimRendezvous {
    final Rendezvous engine = new Rendezvous(1000, null, java.util.Set.of());
    final InetSocketAddress main;
    private final VirtualNet net;
    private final InetSocketAddress alt;

    /** Serve at {@code ip}:3478 (and :3479). */
    public SimRendezvous(VirtualNet net, InetAddress ip) {
      this.net = net;
      this.main = new InetSocketAddress(ip, 3478);
      this.alt = new InetSocketAddress(ip, 3479);
      net.bind(main, (l, from, b, now) -> receive(0, from, b, now));
      net.bind(alt, (l, from, b, now) -> receive(1, from, b, now));
    }

    private void receive(int socket, InetSocketAddress from, byte[] b, long now) {
      engine.handleDatagram(socket, from, b, now);
      for (var t = engine.pollTransmit(); t.isPresent(); t = engine.pollTransmit()) {
        net.send(t.get().socket() == 0 ? main : alt, t.get().to(), t.get().payload());
      }
    }

    /** Return its main address. */
    public InetSocketAddress address() {
      return main;
    }

    /** Return the engine, for counters. */
    public Rendezvous engine() {
      return engine;
    }
  }
}
