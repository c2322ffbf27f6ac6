package dev.wormholes.networks;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When one member node sends its network's roster, and to whom; the daemon ({@code
 * node/networks/PrivateNetworks}) and the simulator ({@code sim.NetworkWorkload}) drive it, time
 * handed in (ms, one clock), nothing else read.
 *
 * <ul>
 *   <li>A change this node made ({@link #committed}) is pushed to its contacts that were members
 *       before it (a member just removed gets it as the signed notice of its removal), sealed under
 *       the key they hold (the epoch before the change), in rounds at {@link #PUSH_AT_MS} after it:
 *       the same datagrams each round, so a receiver that took one drops the next as replayed.
 *   <li>Every {@link #TICK_MS}: while fewer than half of the roster's other members are contacts (none
 *       online, or most of them on an epoch this node missed), a catch-up round to every seed
 *       when {@link CatchUp#askDue} says (after 5 s, backing off to 5 min; a challenge from an
 *       address asked this round is followed up once: {@link #followUp}); then the roster to the
 *       member contacts {@link RosterGossip} finds due (a new sequence number once, again every 60 s, and
 *       at once to a member that sent an older roster: {@link #heardOlder}).
 * </ul>
 *
 * <p>{@link #poll} returns what to send; {@link #nextWake} when to poll again. Answering a catch-up
 * request is {@link #catchUp()}'s {@link CatchUp#answer}. Pushes in progress are bounded by the
 * changes a roster can have ({@link Roster#MAX_CHANGES}), each done after its last round.
 */
public final class RosterSync {
  /** How often gossip and catch-up are looked at. */
  public static final long TICK_MS = 2_000;
  /** When a change is pushed, after it was made: three rounds. */
  static final long[] PUSH_AT_MS = {0, 1_000, 3_000};

  /** What to send. */
  public sealed interface Send {
    /**
     * Round {@code round} of push {@code push} to member {@code to}: at round 0 seal the changed
     * roster for {@code to} under the key held before the change (now); at later rounds send the
     * same datagrams again; after the {@code last} round forget them.
     */
    record Push(long push, NodeId to, int round, boolean last) implements Send {}

    /** The current roster to member contact {@code to}, sealed under the current key. */
    record Gossip(NodeId to) implements Send {}

    /** A catch-up request without a cookie ({@link CatchUp#request}) to seed {@code to}, under the key held. */
    record Ask(InetSocketAddress to) implements Send {}
  }

  private static final class Pushing {
    final List<NodeId> to;
    final long at;
    int next;

    Pushing(List<NodeId> to, long at) {
      this.to = to;
      this.at = at;
    }
  }

  private final NodeId self;
  private final RosterGossip gossip = new RosterGossip();
  private final CatchUp catchUp;
  private final Map<Long, Pushing> pushes = new LinkedHashMap<>();
  private long nextPush;
  private long nextTick = Long.MIN_VALUE;
  private long pushed;
  private long gossiped;
  private long asked;

  /** The sync of node {@code self}; {@code cookieSecret} (32 random bytes) keys its catch-up cookies. */
  public RosterSync(NodeId self, byte[] cookieSecret) {
    this.self = self;
    this.catchUp = new CatchUp(cookieSecret);
  }

  /** Return the catch-up engine: answers to requests, challenges followed up, how long unanswered. */
  public CatchUp catchUp() {
    return catchUp;
  }

  /**
   * This node made a change to {@code before} at {@code now}: return the push's first round (to
   * {@code contacts} that are members of {@code before}, not this node); {@link #poll} gives the
   * others. Call before the new roster's key is installed.
   */
  public List<Send> committed(Roster before, Collection<NodeId> contacts, long now) {
    List<NodeId> to = new ArrayList<>();
    for (NodeId id : contacts) {
      if (!id.equals(self) && before.isMember(id) && !to.contains(id)) {
        to.add(id);
      }
    }
    long id = nextPush++;
    pushes.put(id, new Pushing(List.copyOf(to), now));
    while (pushes.size() > Roster.MAX_CHANGES) {
      pushes.remove(pushes.keySet().iterator().next());
    }
    List<Send> out = new ArrayList<>();
    rounds(now, out);
    return out;
  }

  // Each push's latest round that is due (a late poll skips the rounds it missed: they are the same datagrams).
  private void rounds(long now, List<Send> out) {
    for (Iterator<Map.Entry<Long, Pushing>> it = pushes.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Pushing> e = it.next();
      Pushing p = e.getValue();
      int round = -1;
      for (int r = p.next; r < PUSH_AT_MS.length && now - p.at >= PUSH_AT_MS[r]; r++) {
        round = r;
      }
      if (round < 0) {
        continue;
      }
      boolean last = round == PUSH_AT_MS.length - 1;
      for (NodeId to : p.to) {
        out.add(new Send.Push(e.getKey(), to, round, last));
        pushed++;
      }
      p.next = round + 1;
      if (last) {
        it.remove();
      }
    }
  }

  /**
   * Return what to send at {@code now}: push rounds that are due; on a tick, a catch-up round to
   * {@code seeds} if one is due (members among {@code contacts} none or fewer than half of the
   * roster's other members: {@link CatchUp#askDue}), and the roster to the member contacts that are due.
   */
  public List<Send> poll(Roster roster, Collection<NodeId> contacts, Collection<InetSocketAddress> seeds, long now) {
    List<Send> out = new ArrayList<>();
    rounds(now, out);
    if (now >= nextTick) {
      nextTick = now + TICK_MS;
      if (catchUp.askDue(memberContacts(roster, contacts), others(roster), now)) {
        for (InetSocketAddress a : seeds) {
          catchUp.asked(a);
          out.add(new Send.Ask(a));
          asked++;
        }
      }
      for (NodeId id : gossip.due(roster, contacts, self, now)) {
        out.add(new Send.Gossip(id));
        gossiped++;
      }
    }
    return out;
  }

  private int memberContacts(Roster roster, Collection<NodeId> contacts) {
    return (int) contacts.stream().filter(id -> !id.equals(self) && roster.isMember(id)).distinct().count();
  }

  private int others(Roster roster) {
    return roster.members().size() - (roster.isMember(self) ? 1 : 0);
  }

  /**
   * Member contact {@code member} sent a roster older than the one this node holds (it was away, or
   * lost the gossip): it is sent this node's at the next tick, not a repeat interval later.
   */
  public void heardOlder(NodeId member) {
    gossip.behind(member);
  }

  /**
   * Return whether to send the catch-up request again, with the cookie of a challenge from {@code
   * from} (an address asked this round, once).
   */
  public boolean followUp(InetSocketAddress from) {
    return catchUp.followUp(from);
  }

  /** Return when to poll next: the next push round or tick (the first poll ticks at once). */
  public long nextWake() {
    long at = nextTick;
    for (Pushing p : pushes.values()) {
      at = Math.min(at, p.at + PUSH_AT_MS[p.next]);
    }
    return at;
  }

  /** Return the pushes (one a receiver and round), gossip sends and catch-up requests so far. */
  public long[] counters() {
    return new long[] {pushed, gossiped, asked};
  }
}
