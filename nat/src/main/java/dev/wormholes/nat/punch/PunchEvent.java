package dev.wormholes.nat.punch;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;

/** What {@link HolePunch} tells its driver. */
public sealed interface PunchEvent {

  /**
   * The rendezvous registered us and says where we come from.
   *
   * @param observed our endpoint as the rendezvous sees it
   */
  record Registered(InetSocketAddress observed) implements PunchEvent {}

  /**
   * An authenticated direct path to the peer exists.
   *
   * @param session the session id
   * @param peer the peer's node id (its key answered our nonce)
   * @param kind how the path came about
   * @param socket our local socket index that owns the path (non-zero only after birthday)
   * @param endpoint the peer's endpoint on that path
   * @param rttMs time from our first probe to that endpoint until its signed answer
   * @param elapsedMs time from the start of the session (connect or incoming request)
   * @param probesSent probes this side sent in the session (all sockets)
   */
  record PathEstablished(long session, NodeId peer, HolePunch.PathKind kind, int socket,
      InetSocketAddress endpoint, long rttMs, long elapsedMs, int probesSent) implements PunchEvent {}

  /**
   * A probe signed by the peer arrived on one of our birthday sockets (the first in the session):
   * the peer reaches us through that socket, and its NAT lets that socket's answers in (it sent
   * there). Its QUIC may arrive there before this side's own verdict, so the driver routes the
   * peer's QUIC answers through that socket from now on.
   *
   * @param session the session id
   * @param peer the peer's node id
   * @param socket our birthday socket index the probe arrived on
   * @param endpoint the peer's endpoint the probe came from
   */
  record PeerReached(long session, NodeId peer, int socket, InetSocketAddress endpoint) implements PunchEvent {}

  /**
   * No direct path: use a relay.
   *
   * @param session the session id
   * @param peer the peer's node id
   * @param reason why
   * @param probesSent probes this side sent
   */
  record PunchFailed(long session, NodeId peer, HolePunch.FailReason reason, int probesSent)
      implements PunchEvent {}
}
