package dev.wormholes.dht;

import java.net.InetSocketAddress;

/** What a {@link DhtEngine} tells the application, drained with {@link DhtEngine#pollEvent()}. */
public sealed interface DhtEvent {
  /**
   * A response told us how a peer sees our address (for NAT work and {@code status}). Emitted when
   * the observed address differs from the last one emitted, and otherwise at most once a minute.
   */
  record AddressObserved(Contact by, InetSocketAddress observed) implements DhtEvent {}

  /** A query started by the application finished (maintenance queries emit nothing). */
  record QueryFinished(long queryId, QueryResult result) implements DhtEvent {}
}
