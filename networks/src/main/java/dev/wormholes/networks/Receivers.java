package dev.wormholes.networks;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * Which member node is at an address, so that a datagram sent to the address is sealed for that
 * node ({@link Keyring}: it opens nowhere else). Learned from what the driver sees of an address:
 * the sender of an opened DHT packet, the member a stream is dialled to, a catch-up request or a
 * signed join request that echoed this node's cookie, an inviter's endpoints. An address not
 * learned yet (a seed, an address a DHT answer named) gets datagrams sealed for anyone holding the key.
 * What it holds chooses a receiver, and is no proof that the node receives at the address: a
 * datagram replayed from a spoofed source teaches it too ({@link CatchUp} proves an address by a
 * cookie instead). The last learned node wins
 * (a member that moved); at most {@link #MAX} addresses, the least recently used forgotten first.
 */
public final class Receivers {
  /** Most addresses kept. */
  public static final int MAX = 4096;

  private final LinkedHashMap<InetSocketAddress, NodeId> byAddress = new LinkedHashMap<>(64, 0.75f, true);

  /** Remember that node {@code id} is at {@code address}. */
  public void learn(InetSocketAddress address, NodeId id) {
    byAddress.put(address, id);
    if (byAddress.size() > MAX) {
      Iterator<InetSocketAddress> oldest = byAddress.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** Return the node last learned at {@code address}, if any. */
  public Optional<NodeId> at(InetSocketAddress address) {
    return Optional.ofNullable(byAddress.get(address));
  }

  /** Return how many addresses are kept. */
  public int size() {
    return byAddress.size();
  }
}
