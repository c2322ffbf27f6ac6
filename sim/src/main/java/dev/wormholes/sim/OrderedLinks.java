package dev.wormholes.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The {@link NetworkModel} with every directed link delivering in order, as the daemon's links
 * between neighbours (QUIC streams) do: a datagram arrives no earlier than the one sent before it on
 * the same link, so jitter never reorders a link's cells (an onion relay's CGO layer chains each
 * cell to the one before and takes a reordered cell for tampering). A lost datagram stays lost.
 */
final class OrderedLinks {
  private final NetworkModel net;
  private final int nodes;
  /** Per directed link ({@code from * nodes + to}): the latest arrival so far. */
  private final Map<Long, Long> lastArrival = new HashMap<>();

  OrderedLinks(NetworkModel net, int nodes) {
    this.net = net;
    this.nodes = nodes;
  }

  /** Return {@link NetworkModel#arrival}, held back behind the link's earlier datagrams, or -1 if lost. */
  long arrival(int from, int to, int bytes, long now, RandomGenerator random) {
    long at = net.arrival(from, to, bytes, now, random);
    return at < 0 ? at : lastArrival.merge((long) from * nodes + to, at, Math::max);
  }
}
