package dev.wormholes.nat.punch;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatReport;

/**
 * The two RFC 4787 axes a node tells its punching peer, so both pick the same technique.
 *
 * @param mapping the sender's mapping behaviour
 * @param filtering the sender's filtering behaviour
 */
public record NatHint(NatBehaviour mapping, NatBehaviour filtering) {
  /** The hint of a node that knows nothing yet. */
  public static final NatHint UNKNOWN = new NatHint(NatBehaviour.UNKNOWN, NatBehaviour.UNKNOWN);

  /** Return the hint of a classifier report. */
  public static NatHint of(NatReport r) {
    return new NatHint(r.mapping(), r.filtering());
  }

  /** Return whether this side needs many sockets (endpoint-dependent mapping). */
  public boolean hard() {
    return mapping.isEndpointDependent();
  }

  /**
   * Return whether a hard peer's fresh ports reach this side only if we probe them: filtering
   * that depends on the remote port, or is unknown.
   */
  public boolean filtersByPort() {
    return filtering == NatBehaviour.ADDRESS_AND_PORT_DEPENDENT || filtering == NatBehaviour.UNKNOWN;
  }
}
