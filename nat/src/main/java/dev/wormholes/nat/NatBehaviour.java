package dev.wormholes.nat;

/**
 * One RFC 4787 axis value: how a NAT maps (section 4.1) or filters (section 5) UDP. Mapping and
 * filtering are independent axes; each uses this enum.
 */
public enum NatBehaviour {
  /** Not measured yet, or the measurements disagree. */
  UNKNOWN,
  /** No NAT: the observed endpoint is the local endpoint. */
  NONE,
  /** Endpoint-independent: the same for every remote endpoint ("cone"). */
  ENDPOINT_INDEPENDENT,
  /** Address-dependent: depends on the remote IP address only. */
  ADDRESS_DEPENDENT,
  /** Address-and-port-dependent: depends on the remote IP address and port. */
  ADDRESS_AND_PORT_DEPENDENT;

  /** Return whether a mapping with this behaviour gives every peer the same public port. */
  public boolean isEndpointIndependentOrNone() {
    return this == NONE || this == ENDPOINT_INDEPENDENT;
  }

  /** Return whether a mapping with this behaviour is "hard" (symmetric): a new port per peer. */
  public boolean isEndpointDependent() {
    return this == ADDRESS_DEPENDENT || this == ADDRESS_AND_PORT_DEPENDENT;
  }

  /** Return the wire enum of {@code wormholes.proto}. */
  public dev.wormholes.proto.wire.NatBehaviour toWire() {
    switch (this) {
      case NONE: return dev.wormholes.proto.wire.NatBehaviour.NAT_NONE;
      case ENDPOINT_INDEPENDENT: return dev.wormholes.proto.wire.NatBehaviour.NAT_ENDPOINT_INDEPENDENT;
      case ADDRESS_DEPENDENT: return dev.wormholes.proto.wire.NatBehaviour.NAT_ADDRESS_DEPENDENT;
      case ADDRESS_AND_PORT_DEPENDENT:
        return dev.wormholes.proto.wire.NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT;
      default: return dev.wormholes.proto.wire.NatBehaviour.NAT_UNKNOWN;
    }
  }

  /** Return the value of a wire enum; unrecognised values become {@link #UNKNOWN}. */
  public static NatBehaviour fromWire(dev.wormholes.proto.wire.NatBehaviour w) {
    switch (w) {
      case NAT_NONE: return NONE;
      case NAT_ENDPOINT_INDEPENDENT: return ENDPOINT_INDEPENDENT;
      case NAT_ADDRESS_DEPENDENT: return ADDRESS_DEPENDENT;
      case NAT_ADDRESS_AND_PORT_DEPENDENT: return ADDRESS_AND_PORT_DEPENDENT;
      default: return UNKNOWN;
    }
  }
}
