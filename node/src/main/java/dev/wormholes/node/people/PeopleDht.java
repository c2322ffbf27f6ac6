package dev.wormholes.node.people;

import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What people needs of the node's DHT: read records and items, publish its own, set its head. */
public interface PeopleDht {
  /** Complete with {@code node}'s verified presence record, or exceptionally when none is found. */
  CompletableFuture<Presence> presence(NodeId node);

  /** Complete with the value under {@code key}, or empty. */
  CompletableFuture<Optional<StoredValue>> get(NodeId key);

  /** Publish this node's own {@code value} (kept and re-put by the DHT until it expires). */
  CompletableFuture<Void> publish(StoredValue value);

  /** Make this node's presence records carry {@code head}. */
  void head(PersonaHead head);

  /** Return the network id values are signed for. */
  long networkId();
}
