package dev.wormholes.dht;

import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The periodic passes over a {@link ValueStore}: expiry and choosing what to re-replicate. */
final class StoreSweep {
  private StoreSweep() {}

  /**
   * Remove every value past its time-to-live ({@code ttlMs} since it was last stored; values in
   * {@code own} are exempt, their originator being this node) or past its own expiry (presence
   * records, own ones included). Return how many were removed.
   */
  static int removeExpired(ValueStore store, Set<NodeId> own, long ttlMs, long wallNow) {
    List<NodeId> dead = new ArrayList<>();
    store.forEach((key, value, storedAt) -> {
      if ((!own.contains(key) && storedAt + ttlMs <= wallNow) || presenceExpired(value, wallNow)) dead.add(key);
    });
    for (NodeId key : dead) store.remove(key);
    return dead.size();
  }

  /** Return the values nobody stored since {@code cutoff} (wall ms), except this node's own, in key order. */
  static List<StoredValue> dueForReplication(ValueStore store, Set<NodeId> own, long cutoff) {
    List<StoredValue> due = new ArrayList<>();
    store.forEach((key, value, storedAt) -> {
      if (storedAt <= cutoff && !own.contains(key)) due.add(value);
    });
    return due;
  }

  /** Return whether {@code v} is a presence record whose expiry has passed. */
  static boolean presenceExpired(StoredValue v, long wallNow) {
    return DhtValues.parsePresence(v).map(p -> Long.compareUnsigned(p.getExpiresAtMs(), wallNow) <= 0).orElse(false);
  }
}
