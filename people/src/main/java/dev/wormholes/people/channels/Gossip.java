package dev.wormholes.people.channels;

import com.google.protobuf.ByteString;
import dev.wormholes.networks.Roster;
import dev.wormholes.people.channels.wire.ChannelMessage;
import dev.wormholes.people.channels.wire.Head;
import dev.wormholes.people.channels.wire.Sync;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gossip of one channel at one member: what each other member is known to hold, and whom to
 * send what when. {@link Channels} feeds it the messages it took and sends what it returns.
 *
 * <p>Knowledge: a message always carries the sender's roster length and heads digest; a receiver
 * whose own digest (after taking the message's posts) is the same knows the sender's heads
 * exactly. Otherwise the answer carries every head, and the posts the asker lacks if the asker
 * listed its heads. Only the asker follows up (it learns the answerer's heads in full whenever
 * they differ), so one side drives each repair.
 *
 * <p>Sending: a member is pushed to (posts it lacks, and every head unless it will then hold
 * exactly ours) when this node has new posts of its own (at once) or a roster change it made
 * ({@link Channels#SOON_MS}), when an answer shows the member lacks something or holds something
 * this node lacks ({@link Channels#SOON_MS} if the answer made progress), and again while no answer
 * shows progress, at most {@link Channels#MAX_TRIES} times (a try is a push sent: while an exchange
 * with the member is open nothing goes to it, and a push due then goes when the exchange ends): first after {@link #retryTimeout()}
 * (the smoothed round trip of this channel's answers), then after {@link
 * Channels#RETRY_MS}, doubling; after that only the rounds reach it. The first push after a post
 * of this node's races a second copy through another member: it asks its receiver to push to the
 * next member in roster order ({@code relay_to}; a receiver honours at most {@link
 * Channels#MAX_RELAY} members of a message), who pushes what it knows that member lacks as after
 * a push of its own, so a lost push costs a hop, not the exchange's timeout. Other posts merely
 * received are not passed on at once: their author pushes them to everyone, and the rounds repair
 * what a push missed. Rounds (anti-entropy): one member each round, the one contacted longest
 * ago (sent to or heard from), so every pair meets at least every (members - 1) rounds; the round
 * interval doubles from {@link Channels#ROUND_MIN_MS} to {@link Channels#ROUND_MAX_MS} while the
 * channel is quiet and drops back when a message shows a difference (Trickle, RFC 6206).
 *
 * <p>Bounded: state for roster members only; knowledge of at most {@link Roster#MAX_CHANGES} heads per member.
 */
final class Gossip {
  /** What this node knows of one other member and when it sends to it. */
  private static final class Peer {
    Map<NodeId, Long> heads; // as last known exactly (or after an answer carrying posts), null: unknown
    long rosterChanges = -1;
    long lastContact = Long.MIN_VALUE;
    long sendAt = Long.MAX_VALUE;
    int tries;
    boolean probed; // a round's digest went to it and no answer came since
    long sentAt; // when the first message since its last answer went
    int unanswered; // messages sent since its last answer
    NodeId relayTo; // the member its next push asks it to push to (after a post of this node's)
  }

  private final Channel channel;
  private final NodeId self;
  private final Map<NodeId, Peer> peers = new HashMap<>();
  private byte[] rosterBytes;
  private long nextRound;
  private long interval = Channels.ROUND_MIN_MS;
  private long srtt = -1; // smoothed round-trip time of answers (RFC 6298's SRTT), -1: none measured yet

  Gossip(Channel channel, NodeId self, long nowMs) {
    this.channel = channel;
    this.self = self;
    this.rosterBytes = channel.roster().encode();
    this.nextRound = nowMs + Channels.ROUND_MIN_MS;
    everyone(nowMs); // first contact: learn what each member holds
  }

  /** The roster changed (here or taken from a member): keep state for members only; if {@code ours}, tell everyone. */
  void rosterChanged(long nowMs, boolean ours) {
    rosterBytes = channel.roster().encode();
    peers.keySet().retainAll(channel.roster().members().keySet());
    if (ours) {
      everyone(nowMs);
    }
  }

  /**
   * This node made a post: push it to every member at once, asking each to push to the next
   * member in roster order as well (a ring), so that a member whose push is lost gets the post a
   * hop later instead of after its exchange's timeout.
   */
  void posted(long nowMs) {
    everyone(nowMs, 0);
    List<NodeId> others = new ArrayList<>(channel.roster().members().keySet());
    others.remove(self);
    if (others.size() >= 2) {
      for (int i = 0; i < others.size(); i++) {
        peer(others.get(i)).relayTo = others.get((i + 1) % others.size());
      }
    }
  }

  private void everyone(long nowMs) {
    everyone(nowMs, Channels.SOON_MS);
  }

  private void everyone(long nowMs, long delayMs) {
    for (NodeId m : channel.roster().members().keySet()) {
      if (!m.equals(self)) {
        Peer p = peer(m);
        p.tries = 0;
        p.sendAt = Math.min(p.sendAt, nowMs + delayMs);
      }
    }
  }

  private Peer peer(NodeId m) {
    return peers.computeIfAbsent(m, x -> new Peer());
  }

  // ---- sending

  /** Which members an exchange is open with, and the claim of a new one ({@link Channels} keeps them). */
  interface Exchanges {
    /** Whether an exchange with {@code m} is open. */
    boolean busy(NodeId m);

    /** Open an exchange with {@code m} (not busy); return its id, or 0 if no more may be open now. */
    long open(NodeId m);
  }

  /**
   * Add what is due at {@code nowMs} to {@code out}: nothing to a member an exchange is open with
   * (a push due waits for it to end, and counts no try), and only what {@code ex} lets open.
   */
  void poll(long nowMs, List<Channels.Outgoing> out, Exchanges ex) {
    NodeId oldest = null;
    long oldestAt = Long.MAX_VALUE;
    for (NodeId m : channel.roster().members().keySet()) {
      if (m.equals(self)) {
        continue;
      }
      Peer p = peer(m);
      boolean busy = ex.busy(m);
      if (p.sendAt <= nowMs) {
        if (wanted(p)) {
          long exchange = busy ? 0 : ex.open(m);
          if (exchange != 0) {
            out.add(send(m, p, nowMs, exchange));
          }
          continue;
        }
        p.sendAt = Long.MAX_VALUE;
        p.tries = 0;
      }
      if (!busy && (p.lastContact < oldestAt || oldest == null)) {
        oldest = m;
        oldestAt = p.lastContact;
      }
    }
    if (nextRound <= nowMs) {
      long exchange = oldest == null || ex.busy(oldest) ? 0 : ex.open(oldest);
      if (exchange != 0) {
        Peer p = peer(oldest);
        sent(p, nowMs);
        p.probed = true;
        out.add(new Channels.Outgoing(oldest, message(p, Kind.ROUND, false, false), exchange));
      }
      nextRound = nowMs + interval;
      interval = Math.min(2 * interval, Channels.ROUND_MAX_MS);
    }
  }

  /** Return when {@link #poll} next has something for a member no exchange is open with. */
  long timeout(Exchanges ex) {
    long t = nextRound;
    for (Map.Entry<NodeId, Peer> e : peers.entrySet()) {
      if (!ex.busy(e.getKey())) {
        t = Math.min(t, e.getValue().sendAt);
      }
    }
    return t;
  }

  // Whether `p` is known to lack something held here, to hold something this node lacks, or is unknown.
  private boolean wanted(Peer p) {
    return p.heads == null || p.rosterChanges < changes() || channel.behind(p.heads)
        || !channel.missingPosts(p.heads, 1).isEmpty();
  }

  // A push to `m` (posts, roster, heads) in exchange `exchange`; the same again later unless an answer shows progress.
  private Channels.Outgoing send(NodeId m, Peer p, long nowMs, long exchange) {
    sent(p, nowMs);
    if (p.tries < Channels.MAX_TRIES) {
      p.sendAt = nowMs + (p.tries == 0 ? retryTimeout() : Channels.RETRY_MS << (p.tries - 1));
      p.tries++;
    } else {
      p.sendAt = Long.MAX_VALUE;
    }
    NodeId relayTo = p.relayTo;
    p.relayTo = null;
    return new Channels.Outgoing(m, message(p, Kind.PUSH, false, false, relayTo), exchange);
  }

  private static void sent(Peer p, long nowMs) {
    p.lastContact = nowMs;
    if (p.unanswered++ == 0) {
      p.sentAt = nowMs;
    }
  }

  /**
   * Return how long a push waits for its answer before it goes again the first time: the smoothed
   * round trip of the answers of every member (RFC 6298's SRTT, no deviation term: a push later
   * than the usual answer goes again, which hedges against a loss within about one round trip),
   * within {@link Channels#FIRST_RETRY_MIN_MS} and {@link Channels#RETRY_MS} ({@code RETRY_MS}
   * before any answer was timed).
   */
  long retryTimeout() {
    return srtt < 0 ? Channels.RETRY_MS : Math.max(Channels.FIRST_RETRY_MIN_MS, Math.min(Channels.RETRY_MS, srtt));
  }

  // Time an answer from `p`: only one that answers the single message sent since the last (Karn).
  private void timed(Peer p, long nowMs) {
    if (p.unanswered == 1) {
      long r = Math.max(0, nowMs - p.sentAt);
      srtt = srtt < 0 ? r : (7 * srtt + r) / 8;
    }
    p.unanswered = 0;
  }

  /** What a message is: a round's digest, a push, an answer. */
  private enum Kind { ROUND, PUSH, ANSWER }

  // What `p` is sent: always the roster length and digest, and the roster if it is known to hold a
  // shorter one. A round: nothing more. A push: the posts it lacks by what is known of it, and every
  // head unless it will then hold exactly ours. An answer: nothing more if its digest was ours
  // (`same`), else every head, and the posts it lacks if its message listed its heads (`exact`).
  private byte[] message(Peer p, Kind kind, boolean same, boolean exact) {
    return message(p, kind, same, exact, null);
  }

  // The same, asking `p` to push to `relayTo` too (null: to nobody).
  private byte[] message(Peer p, Kind kind, boolean same, boolean exact, NodeId relayTo) {
    Sync.Builder s = base(p);
    if (relayTo != null) {
      s.addRelayTo(ByteString.copyFrom(relayTo.toBytes()));
    }
    if (kind == Kind.ROUND || kind == Kind.ANSWER && same) {
      return wrap(s);
    }
    Map<NodeId, Long> mine = channel.heads();
    Map<NodeId, Long> after = p.heads == null ? null : new TreeMap<>(p.heads);
    if (after != null && (kind == Kind.PUSH || exact)) {
      for (Channel.Post x : channel.missingPosts(p.heads, Channels.MAX_POSTS_PER_SYNC)) {
        s.addPosts(x.wire());
        after.merge(x.author(), x.seq(), Math::max);
      }
      if (kind == Kind.ANSWER) {
        p.heads = after; // what it holds if the answer arrives; a later digest corrects it if not
      }
    }
    if (kind == Kind.ANSWER || !mine.equals(after)) {
      s.setFull(true);
      mine.forEach((a, seq) -> s.addHeads(Head.newBuilder().setAuthor(ByteString.copyFrom(a.toBytes())).setSeq(seq)));
    }
    return wrap(s);
  }

  // The part of every message to `p`: roster length and digest, and the roster if it holds a shorter one.
  private Sync.Builder base(Peer p) {
    Sync.Builder s = Sync.newBuilder().setChannel(channel.id().bytes()).setRosterChanges(changes())
        .setDigest(channel.headsDigest());
    if (p.rosterChanges < changes()) {
      s.setRoster(ByteString.copyFrom(rosterBytes));
    }
    return s;
  }

  private static byte[] wrap(Sync.Builder s) {
    return ChannelMessage.newBuilder().setSync(s).build().toByteArray();
  }

  private long changes() {
    return channel.roster().changes().size();
  }

  // ---- receiving

  /**
   * Note what member {@code m}'s message {@code s} says it holds (its posts already taken, {@code
   * took} whether any was new); for a request return the answer, for an answer schedule the follow-up.
   */
  byte[] heard(NodeId m, Sync s, boolean took, boolean request, long nowMs) {
    Peer p = peer(m);
    Map<NodeId, Long> before = p.heads;
    long rosterBefore = p.rosterChanges;
    p.lastContact = nowMs;
    p.rosterChanges = Math.max(p.rosterChanges, s.getRosterChanges());
    boolean same = s.getDigest() == channel.headsDigest();
    if (s.getFull()) {
      Map<NodeId, Long> theirs = new TreeMap<>();
      for (Head h : s.getHeadsList()) {
        if (theirs.size() < Roster.MAX_CHANGES) {
          NodeId.tryOf(h.getAuthor().toByteArray()).ifPresent(a -> theirs.put(a, h.getSeq()));
        }
      }
      p.heads = theirs;
    } else if (same) {
      p.heads = channel.heads();
    }
    if (!same || s.getRosterChanges() != changes()) {
      interval = Channels.ROUND_MIN_MS; // a difference: rounds come fast again
      nextRound = Math.min(nextRound, nowMs + Channels.ROUND_MIN_MS);
    }
    if (request) {
      relayAsked(m, s, nowMs);
      return message(p, Kind.ANSWER, same, s.getFull());
    }
    timed(p, nowMs);
    boolean probed = p.probed;
    p.probed = false;
    // Progress: something new, or a round's answer says the two differ (repairs start afresh).
    boolean progress = took || p.rosterChanges > rosterBefore || advanced(before, p.heads) || probed && s.getFull();
    if (progress) {
      p.tries = 0;
    }
    if (!wanted(p)) {
      p.sendAt = Long.MAX_VALUE;
      p.tries = 0;
    } else if (progress) {
      p.sendAt = Math.min(p.sendAt, nowMs + Channels.SOON_MS);
    }
    return null;
  }

  // Member `m` asks this node to push to the members its message lists (at most MAX_RELAY, members
  // other than the two): each is pushed to now if what is known of it says it lacks something.
  private void relayAsked(NodeId m, Sync s, long nowMs) {
    for (int i = 0; i < Math.min(s.getRelayToCount(), Channels.MAX_RELAY); i++) {
      NodeId.tryOf(s.getRelayTo(i).toByteArray()).ifPresent(r -> {
        if (!r.equals(self) && !r.equals(m) && channel.roster().members().containsKey(r)) {
          Peer q = peer(r);
          q.sendAt = Math.min(q.sendAt, nowMs);
        }
      });
    }
  }

  // Whether `now` names a post `before` did not (no knowledge before counts as none).
  private static boolean advanced(Map<NodeId, Long> before, Map<NodeId, Long> now) {
    if (now == null) {
      return false;
    }
    Map<NodeId, Long> b = before == null ? Map.of() : before;
    return now.entrySet().stream().anyMatch(e -> e.getValue() > b.getOrDefault(e.getKey(), 0L));
  }

  /** Forget member {@code m} (removed). */
  void forget(NodeId m) {
    peers.remove(m);
  }
}
