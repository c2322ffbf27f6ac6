package dev.wormholes.nat;

import dev.wormholes.proto.wire.PortMappingProtocol;

/**
 * What a node knows about the NAT in front of it, in RFC 4787 terms: an immutable snapshot made by
 * {@link NatClassifier#report()}, shown by {@code wormholes status} and carried (as {@link
 * #toWire()}) in the presence record.
 *
 * @param mapping how the NAT maps: does every peer see the same public port (RFC 4787 4.1)?
 * @param filtering which inbound packets reach the mapping (RFC 4787 5): learned from dial-backs
 * @param portPreserving whether the public port equals the local port (RFC 4787 4.2.1)
 * @param hairpinning whether a packet to our own public endpoint comes back (RFC 4787 6); {@code
 *     null} while untested
 * @param mappingLifetimeMs how long an idle mapping is known to survive, in milliseconds; the
 *     keepalive interval is derived from it (RFC 4787 4.3)
 * @param observations how many peer observations the mapping verdict rests on
 */
public record NatReport(
    NatBehaviour mapping,
    NatBehaviour filtering,
    boolean portPreserving,
    Boolean hairpinning,
    long mappingLifetimeMs,
    int observations) {

  /** Return whether hole punching needs the birthday technique against this side. */
  public boolean isHard() {
    return mapping.isEndpointDependent();
  }

  /**
   * Return whether strangers cannot reach the node unsolicited at the address its DHT requests
   * come from: an endpoint-dependent mapping (a new port per peer), or, without a port mapping of
   * the node's socket, address- or address-and-port-dependent filtering. Such a node runs the DHT
   * read-only (BEP 43, libp2p client mode), so that nobody puts its filtered address into a routing
   * table where every stranger would wait for a timeout. Unknown axes filter nobody: a node serves
   * until it knows. The daemon and the simulator both decide with this rule.
   *
   * @param portMapped whether a port mapping (PCP, NAT-PMP, UPnP) forwards the node's socket
   */
  public boolean filtersStrangers(boolean portMapped) {
    if (mapping.isEndpointDependent()) {
      return true;
    }
    return !portMapped && filtering.isEndpointDependent();
  }

  /** Return the wire form for a presence record, with the port-mapping protocol in use. */
  public dev.wormholes.proto.wire.NatReport toWire(PortMappingProtocol portMapping) {
    return dev.wormholes.proto.wire.NatReport.newBuilder()
        .setMapping(mapping.toWire())
        .setFiltering(filtering.toWire())
        .setPortPreserving(portPreserving)
        .setHairpinning(Boolean.TRUE.equals(hairpinning))
        .setMappingLifetimeS((int) Math.min(Integer.MAX_VALUE, mappingLifetimeMs / 1000))
        .setPortMapping(portMapping)
        .build();
  }
}
