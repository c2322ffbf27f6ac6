package dev.wormholes.node.runtime;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The LAN endpoints a node advertises in its presence record, and which addresses it may dial. */
public final class LocalAddresses {
  /** Most LAN endpoints advertised. */
  public static final int MAX_LAN = 8;

  private LocalAddresses() {}

  /**
   * Return the endpoints at which the socket bound to {@code bound} can be reached on the LAN: the
   * bound address itself if it is specific (including a loopback address), otherwise every
   * non-loopback, non-link-local address of an up interface (IPv4 for 0.0.0.0, IPv4 and IPv6 for
   * ::), with the bound port. At most {@link #MAX_LAN}.
   */
  public static List<InetSocketAddress> lanEndpoints(InetSocketAddress bound) {
    InetAddress a = bound.getAddress();
    if (!a.isAnyLocalAddress()) {
      return List.of(bound);
    }
    boolean v6 = a instanceof Inet6Address;
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback()) {
          continue;
        }
        for (InetAddress ia : Collections.list(ni.getInetAddresses())) {
          boolean usable = ia instanceof Inet4Address || (v6 && !ia.isLinkLocalAddress());
          if (usable && !ia.isLoopbackAddress() && !ia.isLinkLocalAddress() && out.size() < MAX_LAN) {
            out.add(new InetSocketAddress(ia, bound.getPort()));
          }
        }
      }
    } catch (SocketException e) {
      return out; // no interface list: advertise what we have (observed endpoints still work)
    }
    return out;
  }

  /**
   * Return the addresses a node bound to {@code bound} may send to when a peer names them (punch
   * candidates, presence-record endpoints): any global address; a loopback address only if the
   * node is bound to loopback itself; a private, shared (100.64/10), link-local or unique-local
   * address only if it is on one of this host's links ({@link #links()}).
   */
  public static Predicate<InetAddress> dialable(InetSocketAddress bound) {
    return dialable(bound, links());
  }

  /** Like {@link #dialable(InetSocketAddress)} with the links given as (address, prefix length). */
  public static Predicate<InetAddress> dialable(InetSocketAddress bound, List<Map.Entry<InetAddress, Integer>> links) {
    boolean onLoopback = bound.getAddress().isLoopbackAddress();
    Predicate<InetAddress> onLink = onLinks(links);
    return a -> a.isLoopbackAddress() ? onLoopback : !isPrivate(a) || onLink.test(a);
  }

  /** Return whether {@code a} is not a global address (loopback, private, shared, link-local, ULA). */
  public static boolean isPrivate(InetAddress a) {
    byte[] b = a.getAddress();
    boolean shared = b.length == 4 && (b[0] & 0xFF) == 100 && (b[1] & 0xC0) == 64; // 100.64/10
    boolean ula = b.length == 16 && (b[0] & 0xFE) == 0xFC; // fc00::/7
    return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || shared || ula;
  }

  /** Return this host's up interfaces' addresses with their prefix lengths (empty if unknown). */
  public static List<Map.Entry<InetAddress, Integer>> links() {
    List<Map.Entry<InetAddress, Integer>> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (ni.isUp()) {
          for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
            out.add(Map.entry(ia.getAddress(), (int) ia.getNetworkPrefixLength()));
          }
        }
      }
    } catch (SocketException e) {
      return out;
    }
    return out;
  }

  /** Return whether an address is inside one of {@code links} (address, prefix length). */
  public static Predicate<InetAddress> onLinks(List<Map.Entry<InetAddress, Integer>> links) {
    return a -> links.stream().anyMatch(l -> samePrefix(l.getKey(), a, l.getValue()));
  }

  private static boolean samePrefix(InetAddress a, InetAddress b, int bits) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    if (x.length != y.length) {
      return false;
    }
    for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
      if ((x[i] & mask) != (y[i] & mask)) {
        return false;
      }
    }
    return true;
  }
}
