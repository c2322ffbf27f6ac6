package dev.wormholes.nat.punch;

import java.net.InetSocketAddress;

/**
 * An address at which a node may be reachable, exchanged through the rendezvous.
 *
 * @param kind where it comes from
 * @param endpoint the UDP endpoint
 */
public record Candidate(Kind kind, InetSocketAddress endpoint) {
  /** Where a candidate comes from; also the wire code (ordinal). */
  public enum Kind {
    /** An interface address: works from the same LAN. */
    LAN,
    /** The public endpoint peers observe (AddressObserver); the rendezvous adds its own view. */
    OBSERVED,
    /** A port mapping obtained from the gateway (PortMapper). */
    MAPPED
  }
}
