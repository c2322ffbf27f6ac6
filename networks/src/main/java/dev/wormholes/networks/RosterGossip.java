package dev.wormholes.networks;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which contacts to send this node's roster to: every member contact that has not been sent the
 * roster's current sequence number, and every member contact again once per {@link #REPEAT_MS}
 * (a lost push is made good). Any member may forward the roster: it is signed by admins, and a
 * receiver that holds a newer one ignores it. So a change reaches members that became contacts
 * after it was made, and members that were offline when it was pushed; a member that sends an older
 * roster ({@link #behind}: one back from being away, which gossips what it holds) is due again at
 * once rather than at its next repeat. Bounded by the roster's members. Time is handed in.
 */
public final class RosterGossip {
  /** How often a member contact is sent the roster it was already sent. */
  public static final long REPEAT_MS = 60_000;

  private record Sent(long seq, long at) {}

  private final Map<NodeId, Sent> sent = new HashMap<>();

  /** Member {@code id} sent a roster older than this node's: it is due again at once. */
  public void behind(NodeId id) {
    sent.remove(id);
  }

  /**
   * Return the contacts among {@code contacts} to send {@code roster} to at {@code now}, and
   * note them as sent; {@code self} is never one.
   */
  public List<NodeId> due(Roster roster, Collection<NodeId> contacts, NodeId self, long now) {
    sent.keySet().removeIf(id -> !roster.isMember(id));
    List<NodeId> out = new ArrayList<>();
    for (NodeId id : contacts) {
      if (id.equals(self) || !roster.isMember(id)) {
        continue;
      }
      Sent s = sent.get(id);
      if (s == null || s.seq() < roster.seq() || now - s.at() >= REPEAT_MS) {
        sent.put(id, new Sent(roster.seq(), now));
        out.add(id);
      }
    }
    return out;
  }
}
