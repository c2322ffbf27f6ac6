package dev.wormholes.networks;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses that stand, inside a node, for a peer reached through a private network: {@code
 * [100:0:0:1::N]:9}, N a 64-bit index this table never reuses. The node's QUIC codecs use such an
 * address as the peer address of a connection whose packets travel sealed with the network's key
 * to and from the peer's real UDP endpoint; so a connection through a network is never the same
 * connection as a public one to the same endpoint, and the network it came through is known from
 * its address alone. The prefix lies in {@code 0100::/8}, reserved by the IETF, next to the relay
 * circuits' {@code 100::/64}: no real packet comes from or goes to it.
 *
 * <p>Bounded: at most {@link #MAX} pairs; when full, new pairs are refused (empty) until {@link
 * #forgetNetwork} frees some. Not thread-safe (one event loop).
 */
public final class NetworkAddresses {
  /** Most (network, endpoint) pairs held. */
  public static final int MAX = 4096;
  /** The port of every such address (the discard port, for readability only). */
  public static final int PORT = 9;

  /** A peer's real endpoint inside one network. */
  public record Via(NetworkId network, InetSocketAddress endpoint) {}

  private final Map<Via, InetSocketAddress> synthetic = new HashMap<>();
  private final Map<InetSocketAddress, Via> real = new HashMap<>();
  private long next = 1;

  /** Return the address standing for {@code endpoint} in {@code network}, made on first use; empty when full. */
  public Optional<InetSocketAddress> of(NetworkId network, InetSocketAddress endpoint) {
    Via v = new Via(network, endpoint);
    InetSocketAddress a = synthetic.get(v);
    if (a == null) {
      if (synthetic.size() >= MAX) {
        return Optional.empty();
      }
      a = address(next++);
      synthetic.put(v, a);
      real.put(a, v);
    }
    return Optional.of(a);
  }

  /** Return the network and endpoint {@code address} stands for, or empty if it is not one of this table's. */
  public Optional<Via> via(InetSocketAddress address) {
    return isNetworkAddress(address) ? Optional.ofNullable(real.get(address)) : Optional.empty();
  }

  /** Forget every address of {@code network} (the node left it). */
  public void forgetNetwork(NetworkId network) {
    real.values().removeIf(v -> v.network().equals(network));
    synthetic.keySet().removeIf(v -> v.network().equals(network));
  }

  /** Return how many pairs are held. */
  public int size() {
    return synthetic.size();
  }

  /** Return whether {@code a} lies in {@code 100:0:0:1::/64}. */
  public static boolean isNetworkAddress(InetSocketAddress a) {
    InetAddress ip = a == null ? null : a.getAddress();
    if (!(ip instanceof Inet6Address)) {
      return false;
    }
    byte[] b = ip.getAddress();
    return b[0] == 0x01 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0
        && b[7] == 1;
  }

  private static InetSocketAddress address(long n) {
    byte[] raw = ByteBuffer.allocate(16).putShort((short) 0x0100).putShort((short) 0).putShort((short) 0)
        .putShort((short) 1).putLong(n).array();
    try {
      return new InetSocketAddress(InetAddress.getByAddress(raw), PORT); // no lookup: raw bytes
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 16 bytes never fail
    }
  }
}
