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

  /** A node of the net: main socket at {@code address}, side socket (1) one port above. */
  record Node(NatCore core, Identity identity, InetSocketAddress address) {
    InetSocketAddress side() {
      return new InetSocketAddress(address.getAddress(), address.getPort() + 1);
    }

    Contact contact() {
      return new Contact(identity.id(), address);
    }
  }

  final Map<InetSocketAddress, Node> nodes = new LinkedHashMap<>();
  /** RFC 4787 filtering of a NAT (its mapping is endpoint-independent). */
  enum Filter { ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT }

  // NATs: inside address <-> outside address; inside addresses are unreachable from elsewhere.
  private final Map<InetSocketAddress, InetSocketAddress> outside = new LinkedHashMap<>();
  private final Map<InetSocketAddress, InetSocketAddress> inside = new LinkedHashMap<>();
  private final Map<InetSocketAddress, Filter> filters = new LinkedHashMap<>();
  private final Map<InetSocketAddress, java.util.Set<InetSocketAddress>> sentTo = new LinkedHashMap<>();
  // Symmetric NATs: node address -> public IP; per (inside, destination) a fresh public port.
  private final Map<java.net.InetAddress, java.net.InetAddress> symmetric = new LinkedHashMap<>();
  private final Map<String, InetSocketAddress> symOut = new LinkedHashMap<>();
  private final Map<InetSocketAddress, InetSocketAddress[]> symIn = new LinkedHashMap<>();
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
    natted(n, publicEndpoint, Filter.ENDPOINT_INDEPENDENT);
  }

  /**
   * Put {@code n} behind an endpoint-independent NAT filtering as {@code filter}: its main socket
   * maps to {@code publicEndpoint}, its side socket to the next port.
   */
  void natted(Node n, InetSocketAddress publicEndpoint, Filter filter) {
    InetSocketAddress sidePublic = new InetSocketAddress(publicEndpoint.getAddress(), publicEndpoint.getPort() + 1);
    for (InetSocketAddress[] pair : new InetSocketAddress[][] {{n.address(), publicEndpoint}, {n.side(), sidePublic}}) {
      outside.put(pair[0], pair[1]);
      inside.put(pair[1], pair[0]);
      filters.put(pair[0], filter);
      sentTo.put(pair[0], new java.util.HashSet<>());
    }
  }

  /**
   * Put {@code n} (all its sockets) behind a symmetric NAT on {@code publicIp}: a fresh random
   * public port per (socket, destination), answering only from that destination.
   */
  void symmetric(Node n, java.net.InetAddress publicIp) {
    symmetric.put(n.address().getAddress(), publicIp);
  }

  /** Return the inside address of socket {@code socket} of {@code n}. */
  static InetSocketAddress socketAddress(Node n, int socket) {
    int port = socket == 0 ? n.address().getPort() : socket == 1 ? n.side().getPort() : 20_000 + socket;
    return new InetSocketAddress(n.address().getAddress(), port);
  }

  private InetSocketAddress translateOut(InetSocketAddress src, InetSocketAddress to) {
    java.net.InetAddress pub = symmetric.get(src.getAddress());
    if (pub == null) {
      return outside.getOrDefault(src, src);
    }
    return symOut.computeIfAbsent(src + ">" + to, k -> {
      InetSocketAddress a;
      do {
        a = new InetSocketAddress(pub, 1024 + random.nextInt(65536 - 1024));
      } while (symIn.containsKey(a));
      symIn.put(a, new InetSocketAddress[] {src, to});
      return a;
    });
  }

  private boolean passes(InetSocketAddress in, InetSocketAddress from) {
    Filter f = filters.get(in);
    if (f == null || f == Filter.ENDPOINT_INDEPENDENT) {
      return true;
    }
    java.util.Set<InetSocketAddress> sent = sentTo.get(in);
    return f == Filter.ADDRESS_DEPENDENT
        ? sent.stream().anyMatch(a -> a.getAddress().equals(from.getAddress())) : sent.contains(from);
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
      InetSocketAddress in = outside.containsKey(d.to()) || symmetric.containsKey(d.to().getAddress())
          ? null : inside.getOrDefault(d.to(), d.to());
      boolean allowed = true;
      InetSocketAddress[] sym = symIn.get(d.to());
      if (sym != null) {
        in = sym[0];
        allowed = sym[1].equals(d.from()); // address-and-port-dependent filtering
      }
      Node to = null;
      int socket = 0;
      if (in != null) {
        for (Node n : nodes.values()) {
          if (n.address().getAddress().equals(in.getAddress())) {
            to = n;
            int port = in.getPort();
            socket = port == n.address().getPort() ? 0 : port == n.side().getPort() ? 1 : port - 20_000;
          }
        }
      }
      if (to != null && allowed && !drop.test(d) && passes(in, d.from())) {
        to.core().handleDatagram(socket, d.from(), d.bytes(), now);
      }
      collect();
    }
  }

  private void collect() {
    for (Node n : nodes.values()) {
      for (var t = n.core().pollTransmit(); t.isPresent(); t = n.core().pollTransmit()) {
        PunchTransmit x = t.get();
        InetSocketAddress src = socketAddress(n, x.socket());
        if (sentTo.containsKey(src)) {
          sentTo.get(src).add(x.to());
        }
        inFlight.add(new Datagram(translateOut(src, x.to()), x.to(), x.payload()));
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
