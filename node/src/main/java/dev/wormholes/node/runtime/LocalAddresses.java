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
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The LAN endpoints a node advertises in its presence record, and which addresses it may dial.
 * Advertised are only the addresses a user would expect others on their network to reach it at:
 * interfaces of containers, bridges, VPN tunnels and virtual machines (see {@link #isVirtual}) and
 * global IPv6 addresses are left out unless the daemon runs with {@code --all-interfaces} ({@link
 * #advertiseAll}): they say which VPN or container set-up a machine has, and others cannot reach
 * them anyway.
 */
public final class LocalAddresses {
  /** Most LAN endpoints advertised. */
  public static final int MAX_LAN = 8;
  /**
   * Names of interfaces that are not the machine's own LAN: Docker, Podman, CNI, libvirt, LXC,
   * Kubernetes overlays, VirtualBox/VMware, and tunnels (tun/tap, WireGuard, Tailscale,
   * ZeroTier, PPP, IPsec, GRE).
   */
  private static final Pattern VIRTUAL = Pattern.compile(
      "(docker|br-|virbr|veth|vnet|cni|flannel|cali|weave|kube|lxc|lxd|podman|vbox|vmnet|tun|tap|utun|wg|"
      + "tailscale|ts\\d|zt|ppp|ipsec|gre|gretap|ip6tnl|sit|nebula|nordlynx|proton).*");

  private static volatile boolean advertiseAll;

  private LocalAddresses() {}

  /** Advertise every interface's addresses ({@code wormholed --all-interfaces}); set before the node starts. */
  public static void advertiseAll(boolean all) {
    advertiseAll = all;
  }

  /** Return whether interface {@code name} belongs to a container, bridge, VPN tunnel or VM rather than the LAN. */
  public static boolean isVirtual(String name) {
    return VIRTUAL.matcher(name.toLowerCase(Locale.ROOT)).matches();
  }

  /**
   * Return whether {@code address} of interface {@code interfaceName} is advertised as a LAN
   * endpoint: never loopback or link-local; IPv6 only for a socket bound to {@code ::}; unless
   * {@code all}, not on a {@linkplain #isVirtual virtual} interface and, for IPv6, only unique
   * local addresses (fc00::/7).
   */
  public static boolean advertised(String interfaceName, InetAddress address, boolean v6Socket, boolean all) {
    if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()) {
      return false;
    }
    if (address instanceof Inet6Address && !v6Socket) {
      return false;
    }
    if (all) {
      return true;
    }
    if (isVirtual(interfaceName)) {
      return false;
    }
    return address instanceof Inet4Address || (address.getAddress()[0] & 0xFE) == 0xFC;
  }

  /**
   * Return the endpoints at which the socket bound to {@code bound} can be reached on the LAN: the
   * bound address itself if it is specific (including a loopback address), otherwise the
   * {@linkplain #advertised advertised} addresses of every up, non-loopback interface with the
   * bound port. At most {@link #MAX_LAN}.
   */
  public static List<InetSocketAddress> lanEndpoints(InetSocketAddress bound) {
    InetAddress a = bound.getAddress();
    if (!a.isAnyLocalAddress()) {
      return List.of(bound);
    }
    boolean v6 = a instanceof Inet6Address;
    boolean all = advertiseAll;
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback()) {
          continue;
        }
        for (InetAddress ia : Collections.list(ni.getInetAddresses())) {
          if (advertised(ni.getName(), ia, v6, all) && out.size() < MAX_LAN) {
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
