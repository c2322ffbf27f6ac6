package dev.wormholes.nat.node;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.sim.VirtualNat;
import dev.wormholes.nat.sim.VirtualNet;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.proto.Identity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * {@link NatCore}s driven on a {@link VirtualNet} (the one virtual-time NAT model of nat/'s tests),
 * the way node/'s {@code NatAgent} drives one on a real socket: after every input and every timer
 * the core's transmits are drained onto the net and its next timeout is scheduled. A node has its
 * main socket at {@code ip:7447}, its side socket (1) at 7448 and birthday socket {@code
 * BIRTHDAY_BASE + i} at {@code 20000 + i}. {@link #drop} loses the datagrams it matches as they
 * leave; {@link #seen} keeps every datagram sent.
 */
final class NodeNet {
  /** A datagram as it left its socket (inside address). */
  record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {}

  /** A node of the net. */
  final class Node {
    final NatCore core;
    final Identity identity;
    final InetSocketAddress address;
    private long wake = Long.MAX_VALUE;

    Node(NatCore core, Identity identity, InetSocketAddress address) {
      this.core = core;
      this.identity = identity;
      this.address = address;
    }

    NatCore core() {
      return core;
    }

    Identity identity() {
      return identity;
    }

    InetSocketAddress address() {
      return address;
    }

    Contact contact() {
      return new Contact(identity.id(), address);
    }

    private InetSocketAddress socket(int index) {
      int port = index == 0 ? address.getPort() : index == 1 ? address.getPort() + 1 : 20_000 + index;
      InetSocketAddress a = new InetSocketAddress(address.getAddress(), port);
      if (bound.add(a)) {
        net.bind(a, (local, from, bytes, now) -> {
          core.handleDatagram(index, from, bytes, now);
          drain();
        });
      }
      return a;
    }

    /** Send what the core has to send and schedule its next timeout. */
    void drain() {
      for (var t = core.pollTransmit(); t.isPresent(); t = core.pollTransmit()) {
        PunchTransmit x = t.get();
        Datagram d = new Datagram(socket(x.socket()), x.to(), x.payload());
        seen.add(d);
        if (!drop.test(d)) {
          net.send(d.from(), d.to(), d.bytes());
        }
      }
      core.pollTimeout().ifPresent(t -> {
        if (t < wake || wake <= net.now()) {
          wake = t;
          net.at(t, () -> {
            if (core.pollTimeout().orElse(Long.MAX_VALUE) <= net.now()) {
              core.handleTimeout(net.now());
            }
            drain();
          });
        }
      });
    }
  }

  final VirtualNet net;
  final Map<InetSocketAddress, Node> nodes = new LinkedHashMap<>();
  final List<Datagram> seen = new ArrayList<>();
  private final java.util.Set<InetSocketAddress> bound = new java.util.HashSet<>();
  private final SplittableRandom random;
  Predicate<Datagram> drop = d -> false;

  /** A net with 1 ms one-way latency and no loss, starting at virtual time 1000. */
  NodeNet(long seed) {
    random = new SplittableRandom(seed);
    net = new VirtualNet(random.split(), 1, 0.0);
    net.runUntil(1_000);
  }

  /** Return the virtual time. */
  long now() {
    return net.now();
  }

  /** Add a node bound at {@code ip:7447} with the given settings (on the internet until {@link #natted}). */
  Node add(String ip, NatCore.Settings settings) {
    InetSocketAddress a = new InetSocketAddress(ip(ip), 7447);
    Identity id = Identity.generate(random.split());
    NatCore core = new NatCore(id, a, List.of(a), settings, random.split(), () -> 1_700_000_000_000L + net.now());
    Node n = new Node(core, id, a);
    nodes.put(a, n);
    n.socket(0);
    n.socket(1);
    return n;
  }

  /** Put {@code n} behind its own NAT of {@code type} whose public address is {@code publicIp}. */
  void natted(Node n, String publicIp, VirtualNat.Type type) {
    net.placeHost(n.address.getAddress(), net.addNat(ip(publicIp), type));
  }

  static InetAddress ip(String ip) {
    String[] p = ip.split("\\.");
    return VirtualNet.ip(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
  }

  /** Send everything the cores have queued (after a test fed one directly) and run 50 ms. */
  void deliver() {
    advance(50);
  }

  /** Advance virtual time by {@code ms}, delivering and firing every timer on the way. */
  void advance(long ms) {
    for (Node n : nodes.values()) {
      n.drain();
    }
    net.runUntil(net.now() + ms);
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
      n.core().handleContacts(cs, net.now());
    }
    deliver();
  }
}
