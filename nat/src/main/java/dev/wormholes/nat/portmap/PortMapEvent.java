package dev.wormholes.nat.portmap;

import java.net.InetSocketAddress;

/** What {@link PortMapper} tells its driver. */
public sealed interface PortMapEvent {
  /**
   * A mapping exists (first acquisition, or the endpoint changed on renewal).
   *
   * @param endpoint the public endpoint that now forwards to our socket
   * @param protocol the protocol that made it
   * @param lifetimeSeconds the lease granted; renewal happens at half of it
   */
  record MappingAcquired(InetSocketAddress endpoint, PortMapProtocol protocol, long lifetimeSeconds)
      implements PortMapEvent {}

  /**
   * A mapping we held is gone: renewal failed, or it was deleted on shutdown.
   *
   * @param protocol the protocol that had made it
   * @param reason why, in words
   */
  record MappingLost(PortMapProtocol protocol, String reason) implements PortMapEvent {}

  /**
   * No protocol produced a mapping: the gateway speaks none of them, or refused.
   *
   * @param reason the last failure seen
   */
  record MappingUnavailable(String reason) implements PortMapEvent {}
}
