package dev.wormholes.node.nat;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * {@link NatCore}s on a lossless network without NATs, in virtual time (str0m's shape): every
 * datagram is delivered in order once the sender's outputs are drained; {@link #drop} loses the
 * datagrams it matches; {@link #tap} sees them all.
 */
final class CoreNet {
  /** A datagram in flight. */
  record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {}

  /** A node of the net. */
  record Node(NatCore core, Identity identity, InetSocketAddress address) {
    Contact contact() {
      return new Contact(identity.id(), address);
    }
  }

  final Map<InetSocketAddress, Node> nodes = new LinkedHashMap<>();
  // Full-cone NATs: inside address <-> outside address; inside addresses are unreachable.
  private final Map<InetSocketAddress, InetSocketAddress> outside = new LinkedHashMap<>();
  private final Map<InetSocketAddress, InetSocketAddress> inside = new LinkedHashMap<>();
  final List<Datagram> seen = new ArrayList<>();
  private final Queue<Datagram> inFlight = new ArrayDeque<>();
  private final SplittableRandom random;
  long now = 1_000;
  Predicate<Datagram> drop = d -> false;

  CoreNet(long seed) {
    random = new SplittableRandom(seed);
  }

  /** Add a node bound at {@code ip:7447} with the given settings. */
  Node add(String ip, NatCore.Settings settings) {
    InetSocketAddress a = new InetSocketAddress(dev.wormholes.nat.Networks.ofBytes(ipv4(ip)), 7447);
    Identity id = Identity.generate(random.split());
    NatCore core = new NatCore(id, a, List.of(a), settings, random.split(), () -> 1_700_000_000_000L + now);
    Node n = new Node(core, id, a);
    nodes.put(a, n);
    return n;
  }

  /** Put {@code n} behind a full-cone NAT that maps it to {@code public}. */
  void natted(Node n, InetSocketAddress publicEndpoint) {
    outside.put(n.address(), publicEndpoint);
    inside.put(publicEndpoint, n.address());
  }

  static byte[] ipv4(String ip) {
    String[] p = ip.split("\\.");
    return new byte[] {(byte) Integer.parseInt(p[0]), (byte) Integer.parseInt(p[1]),
        (byte) Integer.parseInt(p[2]), (byte) Integer.parseInt(p[3])};
  }

  /** Deliver everything in flight (and what it causes) at the current time. */
  void deliver() {
    collect();
    int guard = 0;
    while (!inFlight.isEmpty()) {
      if (++guard > 100_000) {
        throw new AssertionError("datagram storm");
      }
      Datagram d = inFlight.poll();
      seen.add(d);
      Node to = outside.containsKey(d.to()) ? null : nodes.get(inside.getOrDefault(d.to(), d.to()));
      if (to != null && !drop.test(d)) {
        to.core().handleDatagram(d.from(), d.bytes(), now);
      }
      collect();
    }
  }

  private void collect() {
    for (Node n : nodes.values()) {
      for (var t = n.core().pollTransmit(); t.isPresent(); t = n.core().pollTransmit()) {
        PunchTransmit x = t.get();
        inFlight.add(new Datagram(outside.getOrDefault(n.address(), n.address()), x.to(), x.payload()));
      }
    }
  }

  /** Advance virtual time by {@code ms}, firing every timer on the way. */
  void advance(long ms) {
    long end = now + ms;
    while (true) {
      deliver();
      long next = end;
      for (Node n : nodes.values()) {
        next = Math.min(next, n.core().pollTimeout().orElse(Long.MAX_VALUE));
      }
      now = Math.max(now, Math.min(next, end));
      for (Node n : nodes.values()) {
        if (n.core().pollTimeout().orElse(Long.MAX_VALUE) <= now) {
          n.core().handleTimeout(now);
        }
      }
      deliver();
      if (now >= end) {
        return;
      }
    }
  }

  /** Give every node every other node as a DHT contact. */
  void meshContacts() {
    for (Node n : nodes.values()) {
      List<Contact> cs = new ArrayList<>();
      for (Node m : nodes.values()) {
        if (m != n) {
          cs.add(m.contact());
        }
      }
      n.core().handleContacts(cs, now);
    }
    deliver();
  }
}
