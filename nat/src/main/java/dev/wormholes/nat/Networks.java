package dev.wormholes.nat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** Address helpers that never resolve names: network prefixes for "distinct networks". */
public final class Networks {
  private Networks() {}

  /** Bits of the prefix that counts as one reporter network for IPv4 (a /16). */
  public static final int IPV4_NETWORK_BITS = 16;
  /** Bits of the prefix that counts as one reporter network for IPv6 (a /32). */
  public static final int IPV6_NETWORK_BITS = 32;

  /**
   * Return the network key of {@code address}: its /16 (IPv4) or /32 (IPv6) prefix as a string,
   * so that reporters in one provider's block count as one network.
   */
  public static String networkOf(InetAddress address) {
    byte[] b = address.getAddress();
    int bytes = (b.length == 4 ? IPV4_NETWORK_BITS : IPV6_NETWORK_BITS) / 8;
    return b.length + ":" + Arrays.toString(Arrays.copyOf(b, bytes));
  }

  /** Return the address of 4 or 16 raw bytes; no name lookup happens. */
  public static InetAddress ofBytes(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an IP address is 4 or 16 bytes, got " + raw.length, e);
    }
  }

  /**
   * Return whether {@code a} is an IPv4 address a home or carrier gateway has on its LAN side
   * (10/8, 172.16/12, 192.168/16, 100.64/10 shared space).
   */
  public static boolean isPrivateIpv4(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != 4) {
      return false;
    }
    int x = b[0] & 0xFF;
    int y = b[1] & 0xFF;
    return a.isSiteLocalAddress() || (x == 100 && y >= 64 && y < 128);
  }
}
