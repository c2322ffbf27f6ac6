package dev.wormholes.node.runtime;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The LAN endpoints a node advertises in its presence record: only the addresses a user would
 * expect others on their network to reach it at. Interfaces of containers, bridges, VPN tunnels
 * and virtual machines (see {@link #isVirtual}) and global IPv6 addresses are left out unless the
 * daemon runs with {@code --all-interfaces} ({@link #advertiseAll}): they say which VPN or
 * container set-up a machine has, and others cannot reach them anyway.
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
}
