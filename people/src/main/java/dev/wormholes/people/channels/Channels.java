package dev.wormholes.people.channels;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.networks.BoxKeys;
import dev.wormholes.networks.JoinRefusal;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.networks.SealKey;
import dev.wormholes.networks.wire.Chain;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.people.channels.wire.ChannelJoin;
import dev.wormholes.people.channels.wire.ChannelJoinAnswer;
import dev.wormholes.people.channels.wire.ChannelMessage;
import dev.wormholes.people.channels.wire.SignedPost;
import dev.wormholes.people.channels.wire.Sync;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The channels of one node and their gossip among members: the author pushes, anti-entropy repairs.
 *
 * <p>Gossip (per channel, see {@link Gossip}): a {@link Sync} always carries the sender's roster
 * length and a digest of its heads (newest seq per author); the roster only to a member known to
 * hold a shorter one, every head only when the two differ, and up to {@link #MAX_POSTS_PER_SYNC}
 * posts the receiver lacks by what is known of it. The answer is a sync the other way. A new post
 * goes at once to every member, and again until an answer shows it taken, at most {@link
 * #MAX_TRIES} times: first when no answer came within the smoothed round trip of the channel's answers
 * (at least {@link #FIRST_RETRY_MIN_MS}, at most {@link #RETRY_MS}), then after {@link #RETRY_MS},
 * doubling. The first push of a new post also asks its receiver to push to the next member in
 * roster order (a ring: each member gets a second copy a hop later, so a lost push costs a hop,
 * not the exchange's timeout); other posts taken from others are not passed on at once. One member per round (the one
 * contacted longest ago) gets a digest, every {@link #ROUND_MIN_MS} doubling to {@link
 * #ROUND_MAX_MS} while nothing differs; where digests differ the
 * asker learns the other's heads and follows up. What a lost message carried goes again with a
 * retry or a round; what arrives twice is a {@link PostVerdict#DUPLICATE}. Only members are synced
 * with and answered; a sync from anyone else is dropped (counted).
 *
 * <p>Hostile members: every post costs one token of the sender's bucket ({@link #BUDGET_BURST},
 * then {@link #BUDGET_PER_SECOND}) before its signature is checked; posts over the budget are
 * dropped as {@link PostVerdict#OVER_BUDGET} and come again later. At most {@link #MAX_CHANNELS}
 * channels, {@link #MAX_PEERS} budgets.
 *
 * <p>Exchanges: each sync {@link #pollSyncs} returns opens an exchange with its member, named by
 * {@link Outgoing#exchange()}, which ends with the member's answer ({@link #handleAnswer}), the
 * driver's report that it failed ({@link #handleFailure}: unreachable, reset, timed out), or {@link
 * #EXCHANGE_TIMEOUT_MS} after it opened. One exchange per member is open at a time and at most
 * {@link #MAX_OPEN} at once: nothing goes to a member while one is open, and a push due meanwhile
 * goes when it ends (only pushes sent count as tries). An answer or failure report ends only the
 * exchange it names: one for an exchange already ended (given up, or answered by another copy) is
 * ignored, the answer dropped as {@link Drop#STALE}, so it cannot end a newer exchange with the same member.
 *
 * <p>Contract: commands and {@code handle*} change state; then the driver drains {@link
 * #pollSaves()} (store each before answering or sending anything) and {@link #pollSyncs(long)}
 * (send each, give its answer to {@link #handleAnswer} or report its failure to {@link
 * #handleFailure}, with its {@link Outgoing#exchange()}). Time in ms, handed in. Not thread-safe.
 */
public final class Channels {
  /** Most channels a node holds. */
  public static final int MAX_CHANNELS = 64;
  /** Rounds of anti-entropy this often after a difference was seen, doubling while none is. */
  public static final long ROUND_MIN_MS = 5_000;
  /** Rounds at least this often (one member each, so every pair meets within members - 1 of them). */
  public static final long ROUND_MAX_MS = 30_000;
  /** A push this soon after a roster change or an answer showing progress (changes made together go together). */
  public static final long SOON_MS = 200;
  /** A push not answered goes again after the measured round trip ({@code Gossip#retryTimeout}), never sooner than this. */
  public static final long FIRST_RETRY_MIN_MS = 300;
  /** The longest first wait for a push's answer; later tries wait this, then twice as long each time. */
  public static final long RETRY_MS = 5_000;
  /** Pushes sent again at most this often without an answer showing progress; then rounds only. */
  public static final int MAX_TRIES = 3;
  /** Exchanges open at once at most (one per member, over every channel). */
  public static final int MAX_OPEN = 16;
  /** An exchange neither answered nor reported failed this long after its message is given up (and may go again). */
  public static final long EXCHANGE_TIMEOUT_MS = 20_000;
  /** Most posts in one sync. */
  public static final int MAX_POSTS_PER_SYNC = 64;
  /** Members one message asks the receiver to push to at most (a relay of late pushes, see Gossip). */
  public static final int MAX_RELAY = 16;
  /** Most bytes of one message. */
  public static final int MAX_MESSAGE_BYTES = Roster.MAX_BYTES + MAX_POSTS_PER_SYNC * (Channel.MAX_POST_BYTES + 8)
      + 64 * 48 + 1024;
  /** Posts a peer may have verified at once. */
  public static final int BUDGET_BURST = 512;
  /** Posts a peer may have verified per second after the burst. */
  public static final double BUDGET_PER_SECOND = 20;
  /** Peers whose budgets are remembered. */
  public static final int MAX_PEERS = 1024;

  /** What the driver must store before it answers or sends. */
  public sealed interface Save {
    /** The channel's roster and keys changed (or it is new). */
    record Record(NetworkId channel, byte[] record) implements Save {}

    /** A post was taken: append it. */
    record Post(NetworkId channel, SignedPost post) implements Save {}

    /** The channel was left: forget it and its posts. */
    record Gone(NetworkId channel) implements Save {}

    /** The pending and used invites changed. */
    record Invites(byte[] invites) implements Save {}
  }

  /**
   * A message to send to {@code peer}; its answer goes to {@link #handleAnswer}, its failure to
   * {@link #handleFailure}, each with {@code exchange} (0 for a join request, which opens no exchange).
   */
  public record Outgoing(NodeId peer, byte[] message, long exchange) {}

  /** Why an incoming message was dropped. */
  public enum Drop {
    /** Not a message, or over the size limit. */
    MALFORMED,
    /** Of a channel this node does not hold. */
    UNKNOWN_CHANNEL,
    /** The sender is not a member. */
    NOT_MEMBER,
    /** The roster sent does not verify, or forks the one held. */
    BAD_ROSTER,
    /** An answer to an exchange already ended (given up, reported failed, or answered by another copy). */
    STALE
  }

  private final Identity self;
  private final int budgetBurst;
  private final byte[] boxPrivate;
  private final RandomGenerator random;
  private final Map<NetworkId, Channel> channels = new LinkedHashMap<>();
  private final Map<NetworkId, Gossip> gossip = new HashMap<>();
  private final Map<NodeId, Open> open = new HashMap<>(); // member -> its open exchange
  private long lastExchange; // the id of the newest exchange opened (ids start at 1)
  private final LinkedHashMap<NodeId, TokenBucket> budgets = new LinkedHashMap<>(16, 0.75f, true);
  private NetworkInvites invites = new NetworkInvites();
  private final List<Save> saves = new ArrayList<>();
  private final EnumMap<Drop, Long> drops = new EnumMap<>(Drop.class);

  // An exchange open with a member: its id and when it is given up.
  private record Open(long id, long giveUpMs) {}

  /** A node's channels, as {@code self}; {@code random} seals posts and makes keys. */
  public Channels(Identity self, RandomGenerator random) {
    this(self, random, BUDGET_BURST);
  }

  Channels(Identity self, RandomGenerator random, int budgetBurst) {
    this.budgetBurst = budgetBurst;
    this.self = self;
    this.boxPrivate = BoxKeys.privateOf(self);
    this.random = random;
  }

  // ---- restoring

  /** Take back a stored channel (its posts follow through {@link #restorePost}); false if it does not verify. */
  public boolean restore(byte[] record, long nowMs) {
    Optional<Channel> c = Channel.restore(record, self.id(), boxPrivate);
    if (c.isEmpty() || channels.size() >= MAX_CHANNELS) {
      return false;
    }
    install(c.get(), nowMs);
    return true;
  }

  /** Take back a stored post of {@code channel}; return the verdict (stored posts are verified again). */
  public PostVerdict restorePost(NetworkId channel, SignedPost post) {
    Channel c = channels.get(channel);
    return c == null ? PostVerdict.WRONG_CHANNEL : c.offer(post);
  }

  /** Take back the stored invites; false if they do not decode. */
  public boolean restoreInvites(byte[] bytes) {
    Optional<NetworkInvites> i = NetworkInvites.decode(bytes);
    i.ifPresent(x -> invites = x);
    return i.isPresent();
  }

  private void install(Channel c, long nowMs) {
    channels.put(c.id(), c);
    gossip.put(c.id(), new Gossip(c, self.id(), nowMs));
  }

  // ---- commands

  /** Create a channel called {@code name} owned by this node. */
  public Optional<Channel> create(String name, long nowMs) {
    if (channels.size() >= MAX_CHANNELS) {
      return Optional.empty();
    }
    Roster.Founded f = Roster.create(self, name, random);
    Channel c = Channel.of(f.roster(), self.id(), boxPrivate);
    install(c, nowMs);
    saves.add(new Save.Record(c.id(), c.record()));
    return Optional.of(c);
  }

  /** Make a one-time invite into {@code channel} (this node its owner), valid until Unix second {@code expires}. */
  public Optional<InviteLink> invite(NetworkId channel, long expires, List<String> endpoints) {
    Channel c = channels.get(channel);
    if (c == null || !c.roster().admins().contains(self.id())) {
      return Optional.empty();
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    invites.create(channel, secret, false, expires);
    saves.add(new Save.Invites(invites.encode()));
    return Optional.of(InviteLink.newBuilder().setNetwork(channel.bytes()).setName(c.roster().name())
        .setInviter(ByteString.copyFrom(self.publicKey())).addAllEndpoints(endpoints)
        .setSecret(ByteString.copyFrom(secret)).setExpires(expires).build());
  }

  /** Return the join request for {@code link}, to send to the inviter's node. */
  public Outgoing join(InviteLink link) {
    long tag = SealKey.of(link.getSecret().toByteArray(), SealKey.Use.INVITE).id();
    ChannelJoin j = ChannelJoin.newBuilder().setTag(tag)
        .setRequest(ByteString.copyFrom(NetworkInvites.request(self, link))).build();
    return new Outgoing(Identity.idOf(link.getInviter().toByteArray()),
        ChannelMessage.newBuilder().setJoin(j).build().toByteArray(), 0);
  }

  /** Post {@code text} to {@code channel}. */
  public Channel.Outcome<SignedPost> post(NetworkId channel, String text, long nowMs) {
    Channel c = channels.get(channel);
    if (c == null) {
      return new Channel.Outcome.Refused<>(Channel.Refusal.NOT_MEMBER);
    }
    Channel.Outcome<SignedPost> o = c.post(self, text, nowMs, random);
    if (o instanceof Channel.Outcome.Done<SignedPost> d) {
      saves.add(new Save.Post(channel, d.value()));
      gossip.get(channel).posted(nowMs);
    }
    return o;
  }

  /** Remove member {@code who} from {@code channel} (this node its owner). */
  public Channel.Outcome<Channel.Removal> remove(NetworkId channel, NodeId who, long nowMs) {
    Channel c = channels.get(channel);
    if (c == null) {
      return new Channel.Outcome.Refused<>(Channel.Refusal.NOT_MEMBER);
    }
    Channel.Outcome<Channel.Removal> o = c.remove(self, who, nowMs, random);
    if (o instanceof Channel.Outcome.Done<Channel.Removal> d) {
      rosterChanged(c, nowMs, true);
      saves.add(new Save.Post(channel, d.value().cut()));
    }
    return o;
  }

  /** Forget {@code channel} here (its posts too); other members keep it. */
  public boolean leave(NetworkId channel) {
    if (channels.remove(channel) == null) {
      return false;
    }
    gossip.remove(channel);
    saves.add(new Save.Gone(channel));
    return true;
  }

  // Store the changed roster; if this node changed it, every member is told.
  private void rosterChanged(Channel c, long nowMs, boolean ours) {
    saves.add(new Save.Record(c.id(), c.record()));
    gossip.get(c.id()).rosterChanged(nowMs, ours);
  }

  // ---- gossip

  /** Return the syncs due at {@code nowMs}; send each and give its answer to {@link #handleAnswer}. */
  public List<Outgoing> pollSyncs(long nowMs) {
    open.values().removeIf(o -> o.giveUpMs() <= nowMs);
    Gossip.Exchanges ex = exchanges(nowMs);
    List<Outgoing> out = new ArrayList<>();
    for (Channel c : channels.values()) {
      if (c.member()) {
        gossip.get(c.id()).poll(nowMs, out, ex);
      }
    }
    return out;
  }

  /** Return when {@link #pollSyncs} next has something, or {@code Long.MAX_VALUE}. */
  public long pollTimeout() {
    long t = Long.MAX_VALUE;
    for (Open o : open.values()) {
      t = Math.min(t, o.giveUpMs());
    }
    if (open.size() >= MAX_OPEN) {
      return t; // nothing goes before an exchange ends
    }
    Gossip.Exchanges ex = exchanges(Long.MAX_VALUE);
    for (Channel c : channels.values()) {
      if (c.member()) {
        t = Math.min(t, gossip.get(c.id()).timeout(ex));
      }
    }
    return t;
  }

  // The open exchanges as the gossip sees them; one opened at `nowMs` is given up EXCHANGE_TIMEOUT_MS later.
  private Gossip.Exchanges exchanges(long nowMs) {
    return new Gossip.Exchanges() {
      @Override
      public boolean busy(NodeId m) {
        return open.containsKey(m);
      }

      @Override
      public long open(NodeId m) {
        if (open.size() >= MAX_OPEN) {
          return 0;
        }
        open.put(m, new Open(++lastExchange, nowMs + EXCHANGE_TIMEOUT_MS));
        return lastExchange;
      }
    };
  }

  /** Return the exchanges open: syncs {@link #pollSyncs} handed out whose answer is awaited. */
  public int openExchanges() {
    return open.size();
  }

  /** The exchange {@code exchange} with {@code peer} (a sync {@link #pollSyncs} returned) failed: no answer will come. */
  public void handleFailure(NodeId peer, long exchange) {
    end(peer, exchange);
  }

  // End `exchange` with `peer` if it is the one open; return whether it was (true for 0, a join's, which ends none).
  private boolean end(NodeId peer, long exchange) {
    Open o = open.get(peer);
    if (o == null || o.id() != exchange) {
      return exchange == 0;
    }
    open.remove(peer);
    return true;
  }

  /** Handle a request from the proven peer {@code peer}; return the answer, or empty to close unanswered. */
  public Optional<byte[]> handleRequest(NodeId peer, byte[] bytes, long nowMs) {
    Optional<ChannelMessage> m = parse(bytes);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    return switch (m.get().getKindCase()) {
      case SYNC -> sync(peer, m.get().getSync(), true, nowMs);
      case JOIN -> Optional.of(ChannelMessage.newBuilder().setJoinAnswer(joinAnswer(peer, m.get().getJoin(), nowMs))
          .build().toByteArray());
      default -> {
        drop(Drop.MALFORMED);
        yield Optional.empty();
      }
    };
  }

  /**
   * Handle the answer {@code peer} gave to our message of exchange {@code exchange} ({@link
   * Outgoing#exchange()}); return the channel a join answer made, if any.
   */
  public Optional<NetworkId> handleAnswer(NodeId peer, long exchange, byte[] bytes, long nowMs) {
    if (!end(peer, exchange)) {
      drop(Drop.STALE);
      return Optional.empty();
    }
    Optional<ChannelMessage> m = parse(bytes);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    if (m.get().hasSync()) {
      sync(peer, m.get().getSync(), false, nowMs);
      return Optional.empty();
    }
    if (m.get().hasJoinAnswer()) {
      return joined(m.get().getJoinAnswer(), nowMs);
    }
    drop(Drop.MALFORMED);
    return Optional.empty();
  }

  // Take what a member's sync carries; for a request return the answer (empty: not to be answered).
  private Optional<byte[]> sync(NodeId peer, Sync s, boolean request, long nowMs) {
    Optional<NetworkId> id = NetworkId.tryOf(s.getChannel());
    Channel c = id.map(channels::get).orElse(null);
    if (c == null) {
      drop(Drop.UNKNOWN_CHANNEL);
      return Optional.empty();
    }
    byte[] theirRoster = s.getRoster().toByteArray();
    if (theirRoster.length > 0 && longer(theirRoster, c.roster())) {
      if (!(Roster.decode(theirRoster) instanceof RosterResult.Valid v)) {
        drop(Drop.BAD_ROSTER);
        return Optional.empty();
      }
      if (c.adopt(v.roster())) {
        rosterChanged(c, nowMs, false);
      }
    }
    if (!c.roster().isMember(peer) || !c.member()) {
      drop(Drop.NOT_MEMBER);
      return Optional.empty();
    }
    boolean took = false;
    TokenBucket budget = budget(peer, nowMs);
    for (SignedPost p : s.getPostsList()) {
      if (!budget.tryTake(1, nowMs)) {
        c.countDropped(PostVerdict.OVER_BUDGET);
        continue;
      }
      if (c.offer(p) == PostVerdict.ACCEPTED) {
        saves.add(new Save.Post(c.id(), p));
        took = true;
      }
    }
    return Optional.ofNullable(gossip.get(c.id()).heard(peer, s, took, request, nowMs));
  }

  // Whether `bytes` holds more changes than `held` (read without verifying: only a longer one can be adopted).
  private static boolean longer(byte[] bytes, Roster held) {
    try {
      return bytes.length <= Roster.MAX_BYTES && Chain.parseFrom(bytes).getChangesCount() > held.changes().size();
    } catch (InvalidProtocolBufferException e) {
      return true; // decoded below, and counted as bad
    }
  }

  private ChannelJoinAnswer joinAnswer(NodeId peer, ChannelJoin j, long nowMs) {
    NetworkInvites.Outcome o = invites.redeem(j.getTag(), j.getRequest().toByteArray(), nowMs / 1000);
    saves.add(new Save.Invites(invites.encode()));
    if (o instanceof NetworkInvites.Outcome.Refused r) {
      return ChannelJoinAnswer.newBuilder().setRefused(r.refusal().name().toLowerCase()).build();
    }
    NetworkInvites.Outcome.Admit a = (NetworkInvites.Outcome.Admit) o;
    if (!a.member().id().equals(peer)) {
      return ChannelJoinAnswer.newBuilder().setRefused(JoinRefusal.BAD_REQUEST.name().toLowerCase()).build();
    }
    NetworkId channel = a.invite() != null ? a.invite().network() : null;
    Channel c = channel != null ? channels.get(channel)
        : channels.values().stream().filter(x -> x.roster().isMember(peer)).findFirst().orElse(null);
    if (c == null) {
      return ChannelJoinAnswer.newBuilder().setRefused("unknown_channel").build();
    }
    if (!c.roster().isMember(peer)) {
      if (!(c.add(self, a.member(), random) instanceof Channel.Outcome.Done<?>)) {
        return ChannelJoinAnswer.newBuilder().setRefused("full").build();
      }
      rosterChanged(c, nowMs, true);
    }
    return ChannelJoinAnswer.newBuilder().setRoster(ByteString.copyFrom(c.roster().encode())).build();
  }

  private Optional<NetworkId> joined(ChannelJoinAnswer a, long nowMs) {
    if (!(Roster.decode(a.getRoster().toByteArray()) instanceof RosterResult.Valid v)
        || !v.roster().isMember(self.id())) {
      drop(Drop.BAD_ROSTER);
      return Optional.empty();
    }
    Channel held = channels.get(v.roster().id());
    if (held != null) {
      if (held.adopt(v.roster())) {
        rosterChanged(held, nowMs, false);
      }
      return Optional.of(held.id());
    }
    if (channels.size() >= MAX_CHANNELS) {
      return Optional.empty();
    }
    Channel c = Channel.of(v.roster(), self.id(), boxPrivate);
    install(c, nowMs);
    saves.add(new Save.Record(c.id(), c.record()));
    return Optional.of(c.id());
  }

  private TokenBucket budget(NodeId peer, long nowMs) {
    TokenBucket b = budgets.get(peer);
    if (b == null) {
      b = new TokenBucket(BUDGET_PER_SECOND, budgetBurst, nowMs);
      budgets.put(peer, b);
      if (budgets.size() > MAX_PEERS) {
        Iterator<NodeId> eldest = budgets.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    return b;
  }

  private Optional<ChannelMessage> parse(byte[] bytes) {
    if (bytes.length > MAX_MESSAGE_BYTES) {
      drop(Drop.MALFORMED);
      return Optional.empty();
    }
    try {
      return Optional.of(ChannelMessage.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      drop(Drop.MALFORMED);
      return Optional.empty();
    }
  }

  private void drop(Drop d) {
    drops.merge(d, 1L, Long::sum);
  }

  /** Return the join refusal text of a join answer, or empty if it admitted. */
  public static Optional<String> refusal(byte[] answer) {
    try {
      ChannelMessage m = ChannelMessage.parseFrom(answer);
      return m.hasJoinAnswer() && !m.getJoinAnswer().getRefused().isEmpty()
          ? Optional.of(m.getJoinAnswer().getRefused()) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.of("malformed answer");
    }
  }

  // ---- output and getters

  /** Return and clear what must be stored. */
  public List<Save> pollSaves() {
    List<Save> out = List.copyOf(saves);
    saves.clear();
    return out;
  }

  /** Return the channel {@code id}, or null. */
  public Channel channel(NetworkId id) {
    return channels.get(id);
  }

  /** Return the channels held, in the order they were made or joined. */
  public Collection<Channel> channels() {
    return channels.values();
  }

  /** Return the messages dropped so far, by reason. */
  public Map<Drop, Long> drops() {
    return new EnumMap<>(drops);
  }

  /** Return the invite refusals so far, by reason. */
  public Map<JoinRefusal, Long> inviteRefusals() {
    return invites.refused();
  }
}
