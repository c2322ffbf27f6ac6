package dev.wormholes.nat.relay;

import dev.wormholes.nat.Networks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The addresses that stand for relay circuits inside a node: {@code [100::N]:9} in the IPv6
 * discard-only prefix {@code 100::/64} (RFC 6666), N a 64-bit index that a node never reuses.
 * No packet can come from or go to such an address on a real network, so a synthetic address is
 * never a real peer's; the node's QUIC codecs use it as the peer address of a relayed
 * connection, and the relay agent turns packets for it into relay datagrams. Runtimes should
 * refuse such addresses in peers' records (they would name a local circuit).
 */
public final class SyntheticAddresses {
  private SyntheticAddresses() {}

  /** The port of every synthetic address (the discard port, for readability only). */
  public static final int PORT = 9;

  /** Return the synthetic address of index {@code n} (n ≥ 1). */
  public static InetSocketAddress of(long n) {
    byte[] raw = ByteBuffer.allocate(16).putShort((short) 0x0100).putShort((short) 0)
        .putInt(0).putLong(n).array();
    return new InetSocketAddress(Networks.ofBytes(raw), PORT);
  }

  /** Return whether {@code a} lies in 100::/64 (a circuit's address, never a real peer's). */
  public static boolean isSynthetic(InetSocketAddress a) {
    InetAddress ip = a == null ? null : a.getAddress();
    if (!(ip instanceof Inet6Address)) {
      return false;
    }
    byte[] b = ip.getAddress();
    for (int i = 2; i < 8; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[0] == 0x01 && b[1] == 0;
  }
}
