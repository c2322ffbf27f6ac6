package dev.wormholes.nat.sim;

import dev.wormholes.nat.Networks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;

/**
 * A virtual-time network of hosts, some behind {@link VirtualNat}s: a seeded event queue, fixed
 * one-way latencies (1 ms on a LAN, {@code wanLatencyMs} through the internet) and optional loss.
 * Everything runs in one thread; time only moves when the queue says so.
 */
public final class VirtualNet {
  /** A datagram receiver bound to one address. */
  public interface Receiver {
    /** Receive a datagram sent to {@code local} from {@code from} at virtual time {@code now}. */
    void receive(InetSocketAddress local, InetSocketAddress from, byte[] bytes, long now);
  }

  private record Event(long at, long seq, Runnable action) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final Map<InetSocketAddress, Receiver> bound = new HashMap<>();
  private final Map<InetAddress, VirtualNat> natOfHost = new HashMap<>();
  private final Map<InetAddress, VirtualNat> natByPublicIp = new HashMap<>();
  private final RandomGenerator random;
  private final long wanLatencyMs;
  private final double loss;
  private long now;
  private long seq;
  private long delivered;
  private long dropped;

  /** A network with the given one-way internet latency and loss probability. */
  public VirtualNet(RandomGenerator random, long wanLatencyMs, double loss) {
    this.random = random;
    this.wanLatencyMs = wanLatencyMs;
    this.loss = loss;
  }

  /** Return the IPv4 address a.b.c.d. */
  public static InetAddress ip(int a, int b, int c, int d) {
    return Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }

  /** Add a NAT box with public address {@code publicIp}. */
  public VirtualNat addNat(InetAddress publicIp, VirtualNat.Type type) {
    VirtualNat n = new VirtualNat(publicIp, type, random);
    natByPublicIp.put(publicIp, n);
    return n;
  }

  /** Put the host with address {@code hostIp} behind {@code nat} (null: on the internet). */
  public void placeHost(InetAddress hostIp, VirtualNat nat) {
    if (nat != null) {
      natOfHost.put(hostIp, nat);
    }
  }

  /** Bind {@code receiver} to {@code local}. */
  public void bind(InetSocketAddress local, Receiver receiver) {
    bound.put(local, receiver);
  }

  /** Schedule {@code action} at virtual time {@code at}. */
  public void at(long at, Runnable action) {
    queue.add(new Event(Math.max(at, now), seq++, action));
  }

  /** Send a datagram from {@code src}; it arrives after the path's latency unless dropped. */
  public void send(InetSocketAddress src, InetSocketAddress dst, byte[] bytes) {
    VirtualNat srcNat = natOfHost.get(src.getAddress());
    VirtualNat dstNat = natOfHost.get(dst.getAddress());
    if (srcNat != null && srcNat == dstNat) {
      deliver(dst, src, bytes, 1); // same LAN
      return;
    }
    InetSocketAddress from = srcNat == null ? src : srcNat.outbound(src, dst);
    if (loss > 0 && random.nextDouble() < loss) {
      dropped++;
      return;
    }
    VirtualNat gate = natByPublicIp.get(dst.getAddress());
    if (gate == null) {
      if (dstNat != null) {
        dropped++; // a host's inside address is unreachable from outside its NAT
        return;
      }
      deliver(dst, from, bytes, wanLatencyMs);
      return;
    }
    gate.inbound(from, dst.getPort()).ifPresentOrElse(
        internal -> deliver(internal, from, bytes, wanLatencyMs), () -> dropped++);
  }

  private void deliver(InetSocketAddress to, InetSocketAddress from, byte[] bytes, long latency) {
    Receiver r = bound.get(to);
    if (r == null) {
      dropped++;
      return;
    }
    at(now + latency, () -> {
      delivered++;
      r.receive(to, from, bytes, now);
    });
  }

  /** Run events until the queue is empty or virtual time passes {@code until}; return now. */
  public long runUntil(long until) {
    while (!queue.isEmpty() && queue.peek().at <= until) {
      Event e = queue.poll();
      now = e.at;
      e.action.run();
    }
    now = Math.max(now, until);
    return now;
  }

  /** Return the virtual time. */
  public long now() {
    return now;
  }

  /** Return datagrams delivered so far. */
  public long delivered() {
    return delivered;
  }

  /** Return datagrams dropped (filtered, lost, or to no socket). */
  public long dropped() {
    return dropped;
  }
}
