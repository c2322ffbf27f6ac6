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
import dev.wormholes.people.channels.wire.Head;
import dev.wormholes.people.channels.wire.SignedPost;
import dev.wormholes.people.channels.wire.Sync;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.TokenBucket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The channels of one node and their gossip: anti-entropy by heads between connected members.
 *
 * <p>Gossip: each (channel, member) pair is due for a {@link Sync} every {@link #SYNC_INTERVAL_MS},
 * and {@link #SOON_MS} after anything new (a post made or taken, a roster change, a peer that
 * holds posts this node lacks or lacks posts it holds). A sync carries the roster, this node's
 * heads (newest seq per author) and up to {@link #MAX_POSTS_PER_SYNC} posts the peer lacks by its
 * last known heads; the answer is a sync the other way. Nothing is acknowledged: what a lost
 * message carried goes again next round, what arrives twice is a {@link PostVerdict#DUPLICATE}.
 * Only members are synced with and answered; a sync from anyone else is dropped (counted).
 *
 * <p>Hostile members: every post costs one token of the sender's bucket ({@link #BUDGET_BURST},
 * then {@link #BUDGET_PER_SECOND}) before its signature is checked; posts over the budget are
 * dropped as {@link PostVerdict#OVER_BUDGET} and come again later. At most {@link #MAX_CHANNELS}
 * channels, {@link #MAX_PEERS} budgets.
 *
 * <p>Contract: commands and {@code handle*} change state; then the driver drains {@link
 * #pollSaves()} (store each before answering or sending anything) and {@link #pollSyncs(long)}
 * (send each, and give its answer to {@link #handleAnswer}). Time in ms, handed in. Not thread-safe.
 */
public final class Channels {
  /** Most channels a node holds. */
  public static final int MAX_CHANNELS = 64;
  /** A sync with every member at least this often. */
  public static final long SYNC_INTERVAL_MS = 30_000;
  /** A sync this soon after something new. */
  public static final long SOON_MS = 200;
  /** Most posts in one sync. */
  public static final int MAX_POSTS_PER_SYNC = 64;
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

  /** A message to send to {@code peer}; its answer goes to {@link #handleAnswer}. */
  public record Outgoing(NodeId peer, byte[] message) {}

  /** Why an incoming message was dropped. */
  public enum Drop {
    /** Not a message, or over the size limit. */
    MALFORMED,
    /** Of a channel this node does not hold. */
    UNKNOWN_CHANNEL,
    /** The sender is not a member. */
    NOT_MEMBER,
    /** The roster sent does not verify, or forks the one held. */
    BAD_ROSTER
  }

  private final Identity self;
  private final int budgetBurst;
  private final byte[] boxPrivate;
  private final RandomGenerator random;
  private final Map<NetworkId, Channel> channels = new LinkedHashMap<>();
  private final Map<NetworkId, byte[]> rosterBytes = new HashMap<>();
  // When each (channel, peer) is next due, and the heads it last said it held.
  private final Map<NetworkId, Map<NodeId, Long>> due = new HashMap<>();
  private final Map<NetworkId, Map<NodeId, Map<NodeId, Long>>> known = new HashMap<>();
  private final LinkedHashMap<NodeId, TokenBucket> budgets = new LinkedHashMap<>(16, 0.75f, true);
  private NetworkInvites invites = new NetworkInvites();
  private final List<Save> saves = new ArrayList<>();
  private final EnumMap<Drop, Long> drops = new EnumMap<>(Drop.class);

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
    rosterBytes.put(c.id(), c.roster().encode());
    due.put(c.id(), new HashMap<>());
    known.put(c.id(), new HashMap<>());
    soon(c, nowMs, null);
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
        ChannelMessage.newBuilder().setJoin(j).build().toByteArray());
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
      soon(c, nowMs, null);
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
      rosterChanged(c, nowMs);
      saves.add(new Save.Post(channel, d.value().cut()));
      due.get(channel).remove(who);
      known.get(channel).remove(who);
    }
    return o;
  }

  /** Forget {@code channel} here (its posts too); other members keep it. */
  public boolean leave(NetworkId channel) {
    if (channels.remove(channel) == null) {
      return false;
    }
    rosterBytes.remove(channel);
    due.remove(channel);
    known.remove(channel);
    saves.add(new Save.Gone(channel));
    return true;
  }

  private void rosterChanged(Channel c, long nowMs) {
    rosterBytes.put(c.id(), c.roster().encode());
    saves.add(new Save.Record(c.id(), c.record()));
    soon(c, nowMs, null);
  }

  // Make every member but `except` due soon.
  private void soon(Channel c, long nowMs, NodeId except) {
    Map<NodeId, Long> d = due.get(c.id());
    d.keySet().retainAll(c.roster().members().keySet());
    for (NodeId m : c.roster().members().keySet()) {
      if (!m.equals(self.id()) && !m.equals(except)) {
        d.merge(m, nowMs + SOON_MS, Math::min);
      }
    }
  }

  // ---- gossip

  /** Return the syncs due at {@code nowMs} (each pair then due again after {@link #SYNC_INTERVAL_MS}). */
  public List<Outgoing> pollSyncs(long nowMs) {
    List<Outgoing> out = new ArrayList<>();
    for (Channel c : channels.values()) {
      if (!c.member()) {
        continue;
      }
      Map<NodeId, Long> d = due.get(c.id());
      for (NodeId m : c.roster().members().keySet()) {
        if (m.equals(self.id())) {
          continue;
        }
        long at = d.computeIfAbsent(m, x -> nowMs);
        if (at <= nowMs) {
          d.put(m, nowMs + SYNC_INTERVAL_MS);
          out.add(new Outgoing(m, message(c, known.get(c.id()).getOrDefault(m, Map.of()))));
        }
      }
    }
    return out;
  }

  /** Return when {@link #pollSyncs} next has something, or {@code Long.MAX_VALUE}. */
  public long pollTimeout() {
    return due.values().stream().flatMap(m -> m.values().stream()).min(Long::compare).orElse(Long.MAX_VALUE);
  }

  private byte[] message(Channel c, Map<NodeId, Long> theirs) {
    Sync.Builder s = Sync.newBuilder().setChannel(c.id().bytes())
        .setRoster(ByteString.copyFrom(rosterBytes.get(c.id())));
    c.heads().forEach((a, seq) -> s.addHeads(Head.newBuilder().setAuthor(ByteString.copyFrom(a.toBytes())).setSeq(seq)));
    s.addAllPosts(c.missing(theirs, MAX_POSTS_PER_SYNC));
    return ChannelMessage.newBuilder().setSync(s).build().toByteArray();
  }

  /** Handle a request from the proven peer {@code peer}; return the answer, or empty to close unanswered. */
  public Optional<byte[]> handleRequest(NodeId peer, byte[] bytes, long nowMs) {
    Optional<ChannelMessage> m = parse(bytes);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    return switch (m.get().getKindCase()) {
      case SYNC -> sync(peer, m.get().getSync(), nowMs).map(c -> message(c, known.get(c.id()).get(peer)));
      case JOIN -> Optional.of(ChannelMessage.newBuilder().setJoinAnswer(joinAnswer(peer, m.get().getJoin(), nowMs))
          .build().toByteArray());
      default -> {
        drop(Drop.MALFORMED);
        yield Optional.empty();
      }
    };
  }

  /** Handle the answer {@code peer} gave to a message of ours; return the channel a join answer made, if any. */
  public Optional<NetworkId> handleAnswer(NodeId peer, byte[] bytes, long nowMs) {
    Optional<ChannelMessage> m = parse(bytes);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    if (m.get().hasSync()) {
      sync(peer, m.get().getSync(), nowMs);
      return Optional.empty();
    }
    if (m.get().hasJoinAnswer()) {
      return joined(m.get().getJoinAnswer(), nowMs);
    }
    drop(Drop.MALFORMED);
    return Optional.empty();
  }

  // Take what a member's sync carries; return the channel if the sender may be answered.
  private Optional<Channel> sync(NodeId peer, Sync s, long nowMs) {
    Optional<NetworkId> id = NetworkId.tryOf(s.getChannel());
    Channel c = id.map(channels::get).orElse(null);
    if (c == null) {
      drop(Drop.UNKNOWN_CHANNEL);
      return Optional.empty();
    }
    byte[] theirRoster = s.getRoster().toByteArray();
    if (!Arrays.equals(theirRoster, rosterBytes.get(c.id())) && longer(theirRoster, c.roster())) {
      if (!(Roster.decode(theirRoster) instanceof RosterResult.Valid v)) {
        drop(Drop.BAD_ROSTER);
        return Optional.empty();
      }
      if (c.adopt(v.roster())) {
        rosterChanged(c, nowMs);
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
    Map<NodeId, Long> theirs = new TreeMap<>();
    for (Head h : s.getHeadsList()) {
      if (theirs.size() < Roster.MAX_CHANGES) {
        NodeId.tryOf(h.getAuthor().toByteArray()).ifPresent(a -> theirs.put(a, h.getSeq()));
      }
    }
    known.get(c.id()).put(peer, theirs);
    if (took) {
      soon(c, nowMs, peer);
    }
    if (c.behind(theirs) || !c.missing(theirs, 1).isEmpty()) {
      due.get(c.id()).merge(peer, nowMs + SOON_MS, Math::min);
    }
    return Optional.of(c);
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
      rosterChanged(c, nowMs);
    }
    return ChannelJoinAnswer.newBuilder().setRoster(ByteString.copyFrom(rosterBytes.get(c.id()))).build();
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
        rosterChanged(held, nowMs);
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
