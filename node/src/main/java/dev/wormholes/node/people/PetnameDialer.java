package dev.wormholes.node.people;

import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.socks.WhAddress;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.people.PersonaId;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link StreamDialer} that also knows people: {@code SERVICE.PETNAME.wh} and {@code
 * SERVICE.PERSONA_ID.wh} resolve to a device of that contact, the one the node's {@link
 * DeviceOrder} puts first (the device that answered last; devices that failed in the last minute,
 * on any path, after the others).
 * A dial of such a name, direct, through an onion circuit ({@code SERVICE.NAME.onion.wh}) or inside a
 * private network ({@code SERVICE.NAME.NETWORK.network.wh}), tries
 * that device, then the contact's other devices in that order until one opens the stream ({@link
 * DeviceRace}: the next at once after a failure, and beside a device that has not answered within
 * {@link dev.wormholes.people.DeviceChoice#NEXT_DEVICE_AFTER_MS}; a stream opened after another
 * one won is closed). A device that does not answer or does not serve the service, or whose circuit
 * fails, counts as failed; each outcome is reported to the choice. Node-id names work as before and
 * reach exactly that node (a 52-character id that is not a contact's persona is a node id).
 */
public final class PetnameDialer implements StreamDialer {
  private final StreamDialer inner;
  private final People people;
  private final DeviceOrder choice;
  private final DeviceRace.Delay delay;

  /** Dial with {@code inner}, resolving petnames through {@code people}, devices in the node's {@code choice} order. */
  public PetnameDialer(StreamDialer inner, People people, DeviceOrder choice) {
    this(inner, people, choice, DeviceRace.REAL);
  }

  /** Like the public constructor, the wait before a next device measured by {@code delay}. */
  PetnameDialer(StreamDialer inner, People people, DeviceOrder choice, DeviceRace.Delay delay) {
    this.inner = inner;
    this.people = people;
    this.choice = choice;
    this.delay = delay;
  }

  @Override
  public CompletableFuture<SecureStream> dial(NodeId node, String service) {
    return inner.dial(node, service);
  }

  @Override
  public CompletableFuture<SecureStream> dial(String host, WhAddress to) {
    return inTurn(host, to, node -> inner.dial(node, to.service()), PetnameDialer::close);
  }

  @Override
  public CompletableFuture<dev.wormholes.node.socks.CircuitStream> dialOnion(NodeId node, String service) {
    return inner.dialOnion(node, service);
  }

  @Override
  public CompletableFuture<dev.wormholes.node.socks.CircuitStream> dialOnion(String host, WhAddress to) {
    return inTurn(host, to, node -> inner.dialOnion(node, to.service()), stream -> {
      if (stream != null) {
        stream.abort();
      }
    });
  }

  /**
   * Open {@code to} with {@code open}; when {@code host} names a contact and {@code to.node()} is one
   * of its devices, try the contact's other devices after it in the choice's order ({@link
   * DeviceRace}; a stream opened after the first is handed to {@code discard}), reporting each
   * outcome to the choice.
   */
  private <T> CompletableFuture<T> inTurn(String host, WhAddress to, Function<NodeId, CompletableFuture<T>> open,
      java.util.function.Consumer<T> discard) {
    List<NodeId> devices = devicesNamed(host);
    if (!devices.contains(to.node())) {
      return open.apply(to.node());
    }
    List<NodeId> order = new ArrayList<>(List.of(to.node()));
    order.addAll(choice.order(devices.stream().filter(d -> !d.equals(to.node())).toList()));
    return DeviceRace.run(order, node -> tryOne(node, open), e -> false, discard, delay);
  }

  private <T> CompletableFuture<T> tryOne(NodeId node, Function<NodeId, CompletableFuture<T>> open) {
    return open.apply(node).whenComplete((s, e) -> {
      if (e == null) {
        choice.onAnswer(node);
      } else {
        choice.onFailure(node);
      }
    });
  }

  @Override
  public CompletableFuture<SecureStream> dialInNetwork(String network, NodeId node, String service) {
    return inner.dialInNetwork(network, node, service);
  }

  @Override
  public CompletableFuture<SecureStream> dialInNetwork(String network, String host, WhAddress to) {
    return inTurn(host, to, node -> inner.dialInNetwork(network, node, to.service()), PetnameDialer::close);
  }

  private static void close(SecureStream stream) {
    if (stream != null) {
      stream.channel().close();
    }
  }

  @Override
  public Optional<WhAddress> resolve(String host) {
    Optional<WhAddress> byId = WhAddress.parse(host);
    List<NodeId> devices = devicesNamed(host);
    if (devices.isEmpty()) {
      return byId;
    }
    String service = byId.map(WhAddress::service).or(() -> WhAddress.parseNamed(host).map(WhAddress.Named::service))
        .orElseThrow();
    return Optional.of(new WhAddress(service, choice.order(devices).get(0)));
  }

  /** Return the devices of the contact {@code host} names by petname or persona id (key-log order), or none. */
  private List<NodeId> devicesNamed(String host) {
    Optional<WhAddress> byId = WhAddress.parse(host);
    if (byId.isPresent()) {
      return people.devicesOf(new PersonaId(byId.get().node()));
    }
    return WhAddress.parseNamed(host).map(n -> people.devicesOf(n.name())).orElse(List.of());
  }
}
