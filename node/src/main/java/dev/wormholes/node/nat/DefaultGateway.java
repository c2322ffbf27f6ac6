package dev.wormholes.node.nat;

import dev.wormholes.nat.Networks;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The IPv4 default gateway, read from {@code /proc/net/route} (no command, no name lookup), and
 * our address on its interface: where PCP, NAT-PMP and UPnP requests go.
 *
 * @param gateway the gateway's address
 * @param local our IPv4 address on the gateway's interface
 * @param iface the interface name
 */
public record DefaultGateway(InetAddress gateway, InetAddress local, String iface) {
  private static final int RTF_UP = 0x1;
  private static final int RTF_GATEWAY = 0x2;

  /** Return the default gateway of this network namespace, if it has a usable one. */
  public static Optional<DefaultGateway> find() {
    try {
      return parse(Files.readAllLines(Path.of("/proc/net/route"))).flatMap(DefaultGateway::withLocal);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Return the first default route of a {@code /proc/net/route} table ({@code local} still unset:
   * null), if it has one whose gateway is a private address (see {@link #isPrivate}).
   */
  static Optional<DefaultGateway> parse(List<String> lines) {
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || f[0].equals("Iface")) {
        continue;
      }
      try {
        int flags = Integer.parseInt(f[3], 16);
        if (!f[1].equals("00000000") || (flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY)) {
          continue;
        }
        InetAddress gw = littleEndian(f[2]);
        if (isPrivate(gw)) {
          return Optional.of(new DefaultGateway(gw, null, f[0]));
        }
      } catch (IllegalArgumentException e) {
        // a malformed line: skip it
      }
    }
    return Optional.empty();
  }

  private static InetAddress littleEndian(String hex) {
    if (hex.length() != 8) {
      throw new IllegalArgumentException("not a 32-bit hex address: " + hex);
    }
    long v = Long.parseLong(hex, 16);
    byte[] b = {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    return Networks.ofBytes(b);
  }

  /**
   * Return whether {@code a} is an address a home or carrier gateway has on its LAN side
   * (10/8, 172.16/12, 192.168/16, 100.64/10): port-mapping requests never go anywhere else.
   */
  public static boolean isPrivate(InetAddress a) {
    return Networks.isPrivateIpv4(a);
  }

  private Optional<DefaultGateway> withLocal() {
    try {
      NetworkInterface ni = NetworkInterface.getByName(iface);
      if (ni == null) {
        return Optional.empty();
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return Optional.of(new DefaultGateway(gateway, a, iface));
        }
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
