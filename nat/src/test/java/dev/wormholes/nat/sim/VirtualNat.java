package dev.wormholes.nat.sim;

import dev.wormholes.nat.NatBehaviour;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A NAT box in RFC 4787 words, as Tailscale's natlab models them: mapping and filtering are
 * independent axes. Unsolicited inbound packets are dropped without leaving state (the lab's drop
 * policy). Ports are preserved when free under endpoint-independent mapping, as Linux does.
 */
public final class VirtualNat {
  /** The usual NAT types of the matrix. */
  public enum Type {
    /** No NAT at all. */
    PUBLIC(NatBehaviour.NONE, NatBehaviour.ENDPOINT_INDEPENDENT),
    /** EIM + EIF. */
    FULL_CONE(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ENDPOINT_INDEPENDENT),
    /** EIM + address-dependent filtering. */
    ADDRESS_RESTRICTED(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_DEPENDENT),
    /** EIM + address-and-port-dependent filtering: Linux masquerade. */
    PORT_RESTRICTED(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT),
    /** Endpoint-dependent mapping with random ports: masquerade fully-random. */
    SYMMETRIC(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);

    /** Mapping axis. */
    public final NatBehaviour mapping;
    /** Filtering axis. */
    public final NatBehaviour filtering;

    Type(NatBehaviour mapping, NatBehaviour filtering) {
      this.mapping = mapping;
      this.filtering = filtering;
    }
  }

  private static final class Mapping {
    final InetSocketAddress internal;
    final int externalPort;
    final Set<InetAddress> sentToIps = new HashSet<>();
    final Set<InetSocketAddress> sentTo = new HashSet<>();

    Mapping(InetSocketAddress internal, int externalPort) {
      this.internal = internal;
      this.externalPort = externalPort;
    }
  }

  final InetAddress publicIp;
  final Type type;
  private final RandomGenerator random;
  private final Map<String, Mapping> byKey = new HashMap<>();
  private final Map<Integer, Mapping> byPort = new HashMap<>();

  VirtualNat(InetAddress publicIp, Type type, RandomGenerator random) {
    this.publicIp = publicIp;
    this.type = type;
    this.random = random;
  }

  /** Translate an outbound packet; return the public source it leaves with. */
  InetSocketAddress outbound(InetSocketAddress internal, InetSocketAddress remote) {
    String key = switch (type.mapping) {
      case ADDRESS_DEPENDENT -> internal + ">" + remote.getAddress();
      case ADDRESS_AND_PORT_DEPENDENT -> internal + ">" + remote;
      default -> internal.toString();
    };
    Mapping m = byKey.computeIfAbsent(key, k -> allocate(internal));
    m.sentToIps.add(remote.getAddress());
    m.sentTo.add(remote);
    return new InetSocketAddress(publicIp, m.externalPort);
  }

  private Mapping allocate(InetSocketAddress internal) {
    int port = internal.getPort();
    if (type.mapping.isEndpointDependent() || byPort.containsKey(port)) {
      do {
        port = 1024 + random.nextInt(65536 - 1024);
      } while (byPort.containsKey(port));
    }
    Mapping m = new Mapping(internal, port);
    byPort.put(port, m);
    return m;
  }

  /** Filter and translate an inbound packet to {@code publicPort}; empty means dropped. */
  Optional<InetSocketAddress> inbound(InetSocketAddress remote, int publicPort) {
    Mapping m = byPort.get(publicPort);
    if (m == null) {
      return Optional.empty();
    }
    boolean pass = switch (type.filtering) {
      case ADDRESS_DEPENDENT -> m.sentToIps.contains(remote.getAddress());
      case ADDRESS_AND_PORT_DEPENDENT -> m.sentTo.contains(remote);
      default -> true;
    };
    return pass ? Optional.of(m.internal) : Optional.empty();
  }

  /** Return how many mappings exist (one per socket and, if endpoint-dependent, per remote). */
  public int mappingCount() {
    return byPort.size();
  }
}
