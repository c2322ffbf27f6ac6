package dev.wormholes.networks;

import dev.wormholes.proto.NodeId;
import java.util.Optional;

/**
 * Who may open a stream to a service exposed to a private network: a node that proved {@code
 * peer} in its QUIC handshake, over a connection whose packets came sealed with that network's
 * key ({@code arrivedOn}), and that the network's current roster lists. Streams through the
 * public network or another private network are refused, and so is a member removed since the
 * connection was made (the roster is read again for every stream).
 */
public final class StreamAccess {
  /** Why a stream to a network's service was refused. */
  public enum Refusal {
    /** The connection did not come through this network (public, or another network's). */
    OTHER_PATH,
    /** The peer is not (or no longer) on the roster. */
    NOT_MEMBER
  }

  private StreamAccess() {}

  /**
   * Return why {@code peer}, connected through network {@code arrivedOn} (null: not through a
   * private network), may not open a stream to a service exposed to the network of {@code
   * roster}; empty if it may.
   */
  public static Optional<Refusal> refusal(Roster roster, NetworkId arrivedOn, NodeId peer) {
    if (arrivedOn == null || !arrivedOn.equals(roster.id())) {
      return Optional.of(Refusal.OTHER_PATH);
    }
    return roster.isMember(peer) ? Optional.empty() : Optional.of(Refusal.NOT_MEMBER);
  }

  /** Return whether this node may dial {@code peer} inside the network of {@code roster}. */
  public static boolean mayDial(Roster roster, NodeId self, NodeId peer) {
    return !peer.equals(self) && roster.isMember(self) && roster.isMember(peer);
  }
}
