package dev.wormholes.node.onion;

import dev.wormholes.dht.QueryResult;
import dev.wormholes.node.path.PathFinder;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.onion.circuit.Hop;
import dev.wormholes.onion.path.Neighbourhood;
import dev.wormholes.onion.path.PathSelection.Peer;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Onion descriptors in the DHT: publish this node's ({@link OnionDescriptor}, a mutable item
 * signed by the identity key), and read another node's as a {@link Peer} for path selection: its
 * presence record gives the identity key (checked against the node id) and the address (the first
 * endpoint that carries one), its descriptor the onion key and neighbour list. Peers read are kept
 * for {@link #CACHE_MS}. What a circuit's hops are drawn from: this node's friends (accepted
 * contacts' devices), their signed lists and the lists of those, which names of them are read
 * being {@link Neighbourhood}'s (at most 1 + 16 + 32 descriptors a build).
 */
final class OnionDirectory {
  /** How long a peer read from the DHT is reused. */
  static final long CACHE_MS = 30_000;

  private record Cached(Peer peer, long at) {}

  private final UdpRuntime runtime;
  private final PathFinder paths;
  private final Map<NodeId, Cached> cache = new ConcurrentHashMap<>();

  OnionDirectory(UdpRuntime runtime, PathFinder paths) {
    this.runtime = runtime;
    this.paths = paths;
  }

  /** Publish {@code d} as this node's descriptor (seq: wall-clock ms); complete with the acks. */
  CompletableFuture<Integer> publish(OnionDescriptor d) {
    Identity me = runtime.identity();
    StoredValue v = DhtValues.mutable(me, OnionDescriptor.SALT, System.currentTimeMillis(), d.encode(),
        runtime.networkId());
    return runtime.query((e, now) -> e.put(v, now)).thenApply(r -> r instanceof QueryResult.Stored s ? s.acks() : 0);
  }

  /** Forget a cached peer (it failed on a circuit). */
  void forget(NodeId id) {
    cache.remove(id);
  }

  /** Complete with {@code id}'s peer, or empty when it has no presence record or descriptor. */
  CompletableFuture<Optional<Peer>> peer(NodeId id) {
    Cached c = cache.get(id);
    long now = System.currentTimeMillis();
    if (c != null && now - c.at() < CACHE_MS) {
      return CompletableFuture.completedFuture(Optional.of(c.peer()));
    }
    return paths.presence(id).thenCompose(p -> descriptor(p).thenApply(d -> d.flatMap(desc -> peerOf(p, desc))))
        .exceptionally(e -> Optional.empty())
        .thenApply(p -> {
          p.ifPresent(x -> cache.put(id, new Cached(x, System.currentTimeMillis())));
          return p;
        });
  }

  private CompletableFuture<Optional<OnionDescriptor>> descriptor(Presence p) {
    byte[] key = p.getPublicKey().toByteArray();
    NodeId at = DhtValues.mutableKey(key, OnionDescriptor.SALT);
    return runtime.query((e, now) -> e.get(at, now)).thenApply(r -> {
      if (!(r instanceof QueryResult.Found f) || !f.value().hasMutable()
          || DhtValues.check(at, f.value(), System.currentTimeMillis(), runtime.networkId()) != ValueCheck.OK) {
        return Optional.empty();
      }
      return OnionDescriptor.decode(f.value().getMutable().getValue().toByteArray());
    });
  }

  private static Optional<Peer> peerOf(Presence p, OnionDescriptor d) {
    byte[] identityKey = p.getPublicKey().toByteArray();
    for (ReachEndpoint e : p.getEndpointsList()) {
      byte[] ip = e.getEndpoint().getIp().toByteArray();
      if (ip.length == 4 || ip.length == 16) {
        try {
          return Optional.of(new Peer(new Hop(identityKey, d.onionKey()), ip, d.neighbours()));
        } catch (IllegalArgumentException bad) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Complete with the records of {@code friend}'s neighbourhood: the names {@link Neighbourhood}
   * chooses from its list, then from theirs.
   */
  CompletableFuture<Map<NodeId, Peer>> neighbourhood(Peer friend, NodeId self, Set<NodeId> avoid,
      RandomGenerator random) {
    Map<NodeId, Peer> out = new ConcurrentHashMap<>();
    return readAll(Neighbourhood.first(friend, self, avoid, random), out)
        .thenCompose(x -> readAll(Neighbourhood.second(friend, Map.copyOf(out), self, avoid, random), out))
        .thenApply(x -> new HashMap<>(out));
  }

  private CompletableFuture<Void> readAll(List<NodeId> ids, Map<NodeId, Peer> into) {
    List<CompletableFuture<Optional<Peer>>> reads = new ArrayList<>();
    for (NodeId id : ids) {
      reads.add(peer(id).whenComplete((p, e) -> {
        if (p != null) {
          p.ifPresent(x -> into.put(id, x));
        }
      }));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
  }
}
