package dev.wormholes.mainline;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/** What a {@link MainlineEngine} reports through {@link MainlineEngine#pollEvent()}. */
public sealed interface MainlineEvent {

  /** A bootstrap lookup ended with {@code tableSize} nodes in the table after {@code queries} queries. */
  record Bootstrapped(long lookup, int tableSize, int queries) implements MainlineEvent {}

  /**
   * A get_peers lookup ended.
   *
   * @param peers the peers found (bounded), in the order they arrived
   * @param announcedTo announce_peer queries sent (0 when none was asked or the engine is read-only)
   */
  record PeersFound(long lookup, byte[] infoHash, List<InetSocketAddress> peers, int announcedTo, int queries)
      implements MainlineEvent {}

  /**
   * A BEP 44 get (or the get before a put) ended.
   *
   * @param item the verified item with the highest seq found, or null
   * @param storedTo put queries sent (0 for a plain get)
   */
  record ItemFound(long lookup, byte[] target, MutableItem item, int storedTo, int queries) implements MainlineEvent {}

  /** A command was refused: {@code reason} says why (too many lookups, no nodes, item too big). */
  record Refused(long lookup, String reason) implements MainlineEvent {}

  /** Our id changed to a BEP 42 id for the external address {@code external} two responders agreed on. */
  record IdChanged(byte[] id, InetAddress external) implements MainlineEvent {}
}
