package dev.wormholes.sim.nat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Synthetic addresses of the NAT layer, names only (nothing is ever sent to them): node {@code i}
 * has the public IPv4 address {@code 11.c.b.a} ({@code a.b.c = i + 1}, bytes reversed so that
 * nodes with nearby indexes sit in different /16 and /24 networks, as peers on the internet do,
 * and {@code AddressObserver}'s "reporters in two networks" rule can be met), the public side of
 * its NAT box or its own address if it is public; a node behind a NAT has the LAN address {@code
 * 10.a.b.c}.
 * Punch sockets are port {@link #NODE_PORT} (socket 0) and {@code 40000 + k} (birthday socket
 * {@code k}); a rendezvous listens on {@link #RENDEZVOUS_PORT} and the port after it.
 */
public final class NatAddresses {
  /** The node's main punch port (socket 0), also the static port mapping's public port. */
  public static final int NODE_PORT = 4000;
  /** First port of the birthday sockets, minus one. */
  public static final int BIRTHDAY_BASE = 40000;
  /** Most birthday sockets a port can name. */
  public static final int MAX_SOCKETS = 65535 - BIRTHDAY_BASE;
  /** The rendezvous' main port (its socket 0; socket 1 is the next port). */
  public static final int RENDEZVOUS_PORT = 3478;
  private static final int PUBLIC_NET = 11 << 24;
  private static final int LAN_NET = 10 << 24;

  private NatAddresses() {}

  /** Return node {@code i}'s public IPv4 address as an int. */
  public static int publicIp(int i) {
    return PUBLIC_NET | swapOuterBytes(i + 1);
  }

  /** Return node {@code i}'s LAN IPv4 address as an int (meaningful behind a NAT). */
  public static int lanIp(int i) {
    return LAN_NET | (i + 1);
  }

  /** Return the node whose public address is {@code ip}, or -1 if none of {@code n} nodes has it. */
  public static int nodeOfPublic(int ip, int n) {
    if ((ip >>> 24) != 11) return -1;
    int i = swapOuterBytes(ip & 0xFFFFFF) - 1;
    return i >= 0 && i < n ? i : -1;
  }

  /** Return the 24-bit value {@code v} with its first and last byte swapped (its own inverse). */
  private static int swapOuterBytes(int v) {
    return (v & 0xFF) << 16 | (v & 0xFF00) | (v >>> 16 & 0xFF);
  }

  /** Return the IPv4 address of {@code a} as an int, or 0 if it is not IPv4 (allocation-free). */
  public static int ipv4(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    return ip instanceof Inet4Address ? ip.hashCode() : 0; // Inet4Address.hashCode is the address
  }

  /** Return a new socket address for {@code ip}:{@code port}. */
  public static InetSocketAddress endpoint(int ip, int port) {
    byte[] b = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
    try {
      return new InetSocketAddress(InetAddress.getByAddress(b), port);
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }

  /** Return the local port of punch socket {@code socket}. */
  public static int portOf(int socket) {
    if (socket < 0 || socket > MAX_SOCKETS) throw new IllegalArgumentException("socket out of range: " + socket);
    return socket == 0 ? NODE_PORT : BIRTHDAY_BASE + socket;
  }

  /** Return the punch socket bound to local {@code port}, or -1. */
  public static int socketOf(int port) {
    if (port == NODE_PORT) return 0;
    return port > BIRTHDAY_BASE && port <= 65535 ? port - BIRTHDAY_BASE : -1;
  }
}
