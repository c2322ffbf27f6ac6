package dev.wormholes.nat.portmap;

import dev.wormholes.proto.wire.PortMappingProtocol;

/** The port-mapping protocols, in the order {@link PortMapper} tries them. */
public enum PortMapProtocol {
  /** Port Control Protocol, RFC 6887, UDP port 5351. */
  PCP,
  /** NAT Port Mapping Protocol, RFC 6886, UDP port 5351. */
  NAT_PMP,
  /** UPnP Internet Gateway Device: SSDP on 239.255.255.250:1900, SOAP over HTTP. */
  UPNP;

  /** Return the wire enum for presence records. */
  public PortMappingProtocol toWire() {
    switch (this) {
      case PCP: return PortMappingProtocol.PORT_MAPPING_PCP;
      case NAT_PMP: return PortMappingProtocol.PORT_MAPPING_NATPMP;
      default: return PortMappingProtocol.PORT_MAPPING_UPNP;
    }
  }
}
