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
