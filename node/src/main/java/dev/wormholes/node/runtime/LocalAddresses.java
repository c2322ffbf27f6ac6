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

/** The LAN endpoints a node advertises in its presence record. */
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
}
