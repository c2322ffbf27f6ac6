package dev.wormholes.sim.nat;

import dev.wormholes.nat.NatBehaviour;
import java.util.Locale;

/**
 * The NAT types of the population, in RFC 4787 words: a mapping axis (section 4.1) and a
 * filtering axis (section 5), the same five types the NAT lab builds with netfilter.
 */
public enum NatType {
  /** No NAT: the node's address is public. */
  PUBLIC("public", NatBehaviour.NONE, NatBehaviour.ENDPOINT_INDEPENDENT),
  /** Full cone: endpoint-independent mapping and filtering (EIM/EIF). */
  FULL("full", NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ENDPOINT_INDEPENDENT),
  /** Address-restricted cone: EIM, address-dependent filtering (ADF). */
  ADDRESS("address", NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_DEPENDENT),
  /** Port-restricted cone: EIM, address-and-port-dependent filtering (APDF); Linux masquerade. */
  PORT("port", NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT),
  /** Symmetric: address-and-port-dependent mapping with random ports (APDM/APDF). */
  SYMMETRIC("symmetric", NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);

  /** The name scenario files use. */
  public final String label;
  /** Mapping behaviour. */
  public final NatBehaviour mapping;
  /** Filtering behaviour. */
  public final NatBehaviour filtering;

  NatType(String label, NatBehaviour mapping, NatBehaviour filtering) {
    this.label = label;
    this.mapping = mapping;
    this.filtering = filtering;
  }

  /** Return whether this type maps per remote endpoint (a "hard" NAT). */
  public boolean endpointDependent() {
    return mapping.isEndpointDependent();
  }

  /** Return the type named {@code label} (case-insensitive); throw on an unknown name. */
  public static NatType of(String label) {
    String l = label.trim().toLowerCase(Locale.ROOT);
    for (NatType t : values()) {
      if (t.label.equals(l)) return t;
    }
    throw new IllegalArgumentException("unknown NAT type '" + label + "' (public, full, address, port, symmetric)");
  }
}
