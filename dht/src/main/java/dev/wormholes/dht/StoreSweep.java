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
   * Remove every value past its time-to-live ({@code ttlMs} since its publisher stored it; values in
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

  /**
   * Visit, in key order, the values first stored after {@code after} and at or before {@code
   * cutoff} (wall ms), except this node's own: the values that reached the replication age since
   * the last round, so that each is replicated once.
   */
  static void dueForReplication(ValueStore store, Set<NodeId> own, long after, long cutoff, StoreVisitor due) {
    List<Object[]> out = new ArrayList<>();
    store.forEach((key, value, storedAt) -> {
      if (storedAt > after && storedAt <= cutoff && !own.contains(key)) out.add(new Object[] {key, value, storedAt});
    });
    for (Object[] e : out) due.visit((NodeId) e[0], (StoredValue) e[1], (Long) e[2]);
  }

  /** Return whether {@code v} is a presence record whose expiry has passed. */
  static boolean presenceExpired(StoredValue v, long wallNow) {
    return DhtValues.parsePresence(v).map(p -> Long.compareUnsigned(p.getExpiresAtMs(), wallNow) <= 0).orElse(false);
  }
}
