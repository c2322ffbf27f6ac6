package dev.wormholes.node.people;

import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.socks.WhAddress;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.people.PersonaId;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link StreamDialer} that also knows people: {@code SERVICE.PETNAME.wh} and {@code
 * SERVICE.PERSONA_ID.wh} resolve to the first device of that contact (in the order its key log
 * added them); node-id names work as before (a 52-character id that is not a contact's persona is
 * a node id).
 */
public final class PetnameDialer implements StreamDialer {
  private final StreamDialer inner;
  private final People people;

  /** Dial with {@code inner}, resolving petnames through {@code people}. */
  public PetnameDialer(StreamDialer inner, People people) {
    this.inner = inner;
    this.people = people;
  }

  @Override
  public CompletableFuture<SecureStream> dial(NodeId node, String service) {
    return inner.dial(node, service);
  }

  @Override
  public CompletableFuture<dev.wormholes.node.socks.CircuitStream> dialOnion(NodeId node, String service) {
    return inner.dialOnion(node, service);
  }

  @Override
  public CompletableFuture<SecureStream> dialInNetwork(String network, NodeId node, String service) {
    return inner.dialInNetwork(network, node, service);
  }

  @Override
  public Optional<WhAddress> resolve(String host) {
    Optional<WhAddress> byId = WhAddress.parse(host);
    if (byId.isPresent()) {
      List<NodeId> devices = people.devicesOf(new PersonaId(byId.get().node()));
      return devices.isEmpty() ? byId : Optional.of(new WhAddress(byId.get().service(), devices.get(0)));
    }
    return WhAddress.parseNamed(host).flatMap(n -> {
      List<NodeId> devices = people.devicesOf(n.name());
      return devices.isEmpty() ? Optional.empty() : Optional.of(new WhAddress(n.service(), devices.get(0)));
    });
  }
}
