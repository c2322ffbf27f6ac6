package dev.wormholes.sim;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Synthetic IPv4 addresses of simulated nodes: node {@code i} is {@code 10.a.b.c:7777} with
 * {@code c.b.a = i + 1} (low byte first), so that consecutive nodes fall in different /24
 * prefixes, as independent hosts on the internet do: the engine's per-prefix limits (IPv4 /24)
 * then see up to 65,536 prefixes, and a million nodes share a /24 by sixteen. They are names only: nothing is ever sent to them, every datagram stays
 * in memory. One {@link InetSocketAddress} per node is created and shared by everything that
 * names the node (memory is a budget at a million nodes).
 */
public final class SimAddresses {
  /** The UDP port every simulated node "listens" on. */
  public static final int PORT = 7777;
  /** Most nodes a simulation can address (the 10/8 block minus two). */
  public static final int MAX_NODES = (1 << 24) - 2;

  private SimAddresses() {}

  /** Return a new address of node {@code index}; throw if the index is out of range. */
  public static InetSocketAddress of(int index) {
    if (index < 0 || index >= MAX_NODES) {
      throw new IllegalArgumentException("node index out of range: " + index);
    }
    int v = index + 1;
    byte[] ip = {10, (byte) v, (byte) (v >>> 8), (byte) (v >>> 16)};
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), PORT);
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }

  /**
   * Return the address of the {@code ordinal}-th adversary when all adversaries come from {@code
   * prefixes} /24s: {@code 12.0.p.h:port} with {@code p = ordinal mod prefixes}, hosts 1..254 in
   * each, and further ports of the same hosts beyond that (one attacker host, many sockets).
   */
  public static InetSocketAddress ofAdversary(int ordinal, int prefixes) {
    if (prefixes < 1 || prefixes > 256 || ordinal < 0) throw new IllegalArgumentException("bad adversary address");
    int p = ordinal % prefixes;
    int rest = ordinal / prefixes;
    byte[] ip = {12, 0, (byte) p, (byte) (1 + rest % 254)};
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), PORT + rest / 254);
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }

  /** Return the adversary ordinal {@link #ofAdversary} gave {@code address}, or -1. Allocation-free. */
  public static int adversaryOrdinal(InetSocketAddress address, int prefixes) {
    if (address == null || prefixes < 1 || address.getPort() < PORT || !(address.getAddress() instanceof Inet4Address)) {
      return -1;
    }
    int ip = address.getAddress().hashCode();
    int p = (ip >>> 8) & 0xFF;
    int h = ip & 0xFF;
    if ((ip >>> 16) != (12 << 8) || p >= prefixes || h < 1 || h > 254) return -1;
    int rest = (address.getPort() - PORT) * 254 + (h - 1);
    return rest * prefixes + p;
  }

  /**
   * Return the node index an address names, or -1 if it names no simulated node. Allocation-free:
   * an {@link Inet4Address}'s hash code is its address as an int.
   */
  public static int indexOf(InetSocketAddress address) {
    if (address == null || address.getPort() != PORT || !(address.getAddress() instanceof Inet4Address)) {
      return -1;
    }
    int ip = address.getAddress().hashCode();
    if ((ip >>> 24) != 10) {
      return -1;
    }
    int v = ((ip >>> 16) & 0xFF) | (ip & 0xFF00) | ((ip & 0xFF) << 16);
    return v - 1;
  }
}
