package dev.wormholes.people.channels;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.networks.Member;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.networks.wire.SignedChange;
import dev.wormholes.people.channels.wire.ChannelRecord;
import dev.wormholes.people.channels.wire.EpochKeyRecord;
import dev.wormholes.people.channels.wire.PostBody;
import dev.wormholes.people.channels.wire.SignedPost;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One channel as one member holds it: the owner-signed roster (a private network's {@link Roster}:
 * creation, members added, members removed with a new epoch key for the rest), the epoch keys
 * this member was granted, and the posts, each author's in a hash chain (seq, previous digest).
 *
 * <p>A post is taken ({@link #offer}) only if it is well formed, of this channel, signed by its
 * author, the author's next one (its {@code prev} the digest of the author's post before), sealed
 * under an epoch the roster has reached, and by a member, or by a removed member at or below the
 * cut the owner's removal post named. A second, different post at a held sequence number is
 * {@link PostVerdict#FORKED} (the first stays). A post whose predecessor is missing is dropped as
 * a {@link PostVerdict#GAP}: gossip sends each author's posts in order, so nothing is buffered.
 *
 * <p>Removal ({@link #remove}): the owner appends a roster change with a new epoch key granted to
 * every remaining member, then posts under the new key a post naming the removed member and its
 * last post the owner held (the cut). The removed member holds no key to read later posts, and
 * every member drops its posts beyond the cut, also ones taken before the cut arrived.
 *
 * <p>Bounds: {@link #MAX_POSTS} posts, {@link #MAX_POSTS_PER_AUTHOR} per author, text of {@link
 * #MAX_TEXT_BYTES}, posts of {@link #MAX_POST_BYTES}; the roster has the networks' bounds (64
 * members). Pure: time and randomness are handed in. Not thread-safe.
 */
public final class Channel {
  /** Most bytes of a post's text. */
  public static final int MAX_TEXT_BYTES = 1024;
  /** Most bytes of an encoded post. */
  public static final int MAX_POST_BYTES = 2048;
  /** Most posts a channel holds. */
  public static final int MAX_POSTS = 4096;
  /** Most posts of one author a channel holds. */
  public static final int MAX_POSTS_PER_AUTHOR = 1024;
  /** Most parent digests a post names. */
  public static final int MAX_PARENTS = 16;
  static final byte[] DOMAIN = "wormholes-channel-post-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] POST_KEY = "wormholes-channel-post-key-v1".getBytes(StandardCharsets.US_ASCII);

  /** A held post: its author, sequence number, digest, body and the signed bytes. */
  public record Post(NodeId author, long seq, ByteString digest, PostBody body, SignedPost wire) {}

  /** What a member reads: a post with its text, or no text if no key held opens it. */
  public record Entry(NodeId author, long seq, long epoch, long sentAtMs, Optional<String> text,
      Optional<NodeId> cutMember, long cutSeq) {}

  /** Why a command was refused. */
  public enum Refusal {
    /** This node is not (or no longer) a member. */
    NOT_MEMBER,
    /** This node is not an admin of the roster. */
    NOT_OWNER,
    /** No key of the current epoch is held. */
    NO_KEY,
    /** The text is empty or over {@link #MAX_TEXT_BYTES}. */
    TOO_LARGE,
    /** The channel or this author holds as many posts as it may. */
    FULL,
    /** The member to remove is not one (or is the owner). */
    NO_SUCH_MEMBER
  }

  /** A command's outcome: done, or refused. */
  public sealed interface Outcome<T> {
    /** Done. */
    record Done<T>(T value) implements Outcome<T> {}

    /** Refused. */
    record Refused<T>(Refusal refusal) implements Outcome<T> {}
  }

  /** A removal: the roster change and the owner's cut post (both already applied here). */
  public record Removal(SignedChange change, SignedPost cut) {}

  private Roster roster;
  private final NodeId me;
  private final byte[] boxPrivate;
  private final TreeMap<Long, byte[]> keys = new TreeMap<>();
  // Each author's chain: posts.get(i) has seq i + 1.
  private final Map<NodeId, List<Post>> chains = new HashMap<>();
  // Every held post in the order this member took it (each author's in seq order).
  private final List<Post> order = new ArrayList<>();
  private final Map<NodeId, Long> cuts = new HashMap<>();
  private final EnumMap<PostVerdict, Long> dropped = new EnumMap<>(PostVerdict.class);
  private Long headsDigest; // of heads(), null once they changed

  private Channel(Roster roster, NodeId me, byte[] boxPrivate) {
    this.roster = roster;
    this.me = me;
    this.boxPrivate = boxPrivate.clone();
    refreshKey();
  }

  /** Return the channel of {@code roster} as member {@code me} (with X25519 private key {@code boxPrivate}) holds it. */
  public static Channel of(Roster roster, NodeId me, byte[] boxPrivate) {
    return new Channel(roster, me, boxPrivate);
  }

  /** Return a member's stored channel ({@link #record}), or empty if it does not verify; posts come back through {@link #offer}. */
  public static Optional<Channel> restore(byte[] record, NodeId me, byte[] boxPrivate) {
    try {
      ChannelRecord r = ChannelRecord.parseFrom(record);
      if (!(Roster.decode(r.getRoster().toByteArray()) instanceof RosterResult.Valid v)) {
        return Optional.empty();
      }
      Channel c = new Channel(v.roster(), me, boxPrivate);
      for (EpochKeyRecord k : r.getKeysList()) {
        if (k.getKey().size() == 32 && k.getEpoch() <= v.roster().epoch() && c.keys.size() < Roster.MAX_CHANGES) {
          c.keys.put(k.getEpoch(), k.getKey().toByteArray());
        }
      }
      return Optional.of(c);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /** Return the roster and keys to store (posts are stored apart, as they are taken). */
  public byte[] record() {
    ChannelRecord.Builder b = ChannelRecord.newBuilder().setRoster(ByteString.copyFrom(roster.encode()));
    keys.forEach((e, k) -> b.addKeys(EpochKeyRecord.newBuilder().setEpoch(e).setKey(ByteString.copyFrom(k))));
    return b.build().toByteArray();
  }

  // ---- the roster

  /** Take the roster {@code offered} if it is this channel's and extends the one held; return whether it did. */
  public boolean adopt(Roster offered) {
    if (!(roster.adopt(offered) instanceof RosterResult.Valid v)) {
      return false;
    }
    roster = v.roster();
    refreshKey();
    return true;
  }

  /** Add {@code member} as the owner {@code owner}; return the roster change (applied here). */
  public Outcome<SignedChange> add(Identity owner, Member member, RandomGenerator random) {
    if (!roster.admins().contains(owner.id())) {
      return new Outcome.Refused<>(Refusal.NOT_OWNER);
    }
    byte[] key = keys.get(roster.epoch());
    if (key == null) {
      return new Outcome.Refused<>(Refusal.NO_KEY);
    }
    SignedChange c = roster.addMember(owner, member, key, random);
    return apply(c).map(x -> (Outcome<SignedChange>) new Outcome.Done<>(c))
        .orElse(new Outcome.Refused<>(Refusal.NO_SUCH_MEMBER));
  }

  /** Remove {@code who} as the owner {@code owner}: a new epoch for the rest, and the cut post. */
  public Outcome<Removal> remove(Identity owner, NodeId who, long nowMs, RandomGenerator random) {
    if (!roster.admins().contains(owner.id())) {
      return new Outcome.Refused<>(Refusal.NOT_OWNER);
    }
    if (!roster.isMember(who) || roster.admins().contains(who)) {
      return new Outcome.Refused<>(Refusal.NO_SUCH_MEMBER);
    }
    Roster.Rolled rolled = roster.removeMember(owner, who, random);
    if (apply(rolled.change()).isEmpty()) {
      return new Outcome.Refused<>(Refusal.NO_SUCH_MEMBER);
    }
    keys.put(roster.epoch(), rolled.epochKey().clone());
    long cutSeq = chains.getOrDefault(who, List.of()).size();
    Outcome<SignedPost> cut = post(owner, "removed " + who.shortString(), nowMs, random,
        ByteString.copyFrom(who.toBytes()), cutSeq);
    if (cut instanceof Outcome.Done<SignedPost> d) {
      return new Outcome.Done<>(new Removal(rolled.change(), d.value()));
    }
    return new Outcome.Refused<>(((Outcome.Refused<SignedPost>) cut).refusal());
  }

  private Optional<Roster> apply(SignedChange c) {
    if (roster.append(c) instanceof RosterResult.Valid v) {
      roster = v.roster();
      refreshKey();
      return Optional.of(roster);
    }
    return Optional.empty();
  }

  private void refreshKey() {
    roster.epochKey(me, boxPrivate).ifPresent(k -> keys.put(k.epoch(), k.key()));
  }

  // ---- posting

  /** Post {@code text} as {@code author} (this member) at {@code nowMs}; return the signed post (taken here). */
  public Outcome<SignedPost> post(Identity author, String text, long nowMs, RandomGenerator random) {
    return post(author, text, nowMs, random, ByteString.EMPTY, 0);
  }

  private Outcome<SignedPost> post(Identity author, String text, long nowMs, RandomGenerator random,
      ByteString cutMember, long cutSeq) {
    byte[] plain = text.getBytes(StandardCharsets.UTF_8);
    if (!roster.isMember(author.id())) {
      return new Outcome.Refused<>(Refusal.NOT_MEMBER);
    }
    if (plain.length == 0 || plain.length > MAX_TEXT_BYTES) {
      return new Outcome.Refused<>(Refusal.TOO_LARGE);
    }
    byte[] key = keys.get(roster.epoch());
    if (key == null) {
      return new Outcome.Refused<>(Refusal.NO_KEY);
    }
    List<Post> mine = chains.getOrDefault(author.id(), List.of());
    if (mine.size() >= MAX_POSTS_PER_AUTHOR || order.size() >= MAX_POSTS) {
      return new Outcome.Refused<>(Refusal.FULL);
    }
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    PostBody.Builder b = PostBody.newBuilder().setChannel(id().bytes())
        .setAuthor(ByteString.copyFrom(author.publicKey())).setSeq(mine.size() + 1L)
        .setPrev(mine.isEmpty() ? ByteString.EMPTY : mine.get(mine.size() - 1).digest())
        .addAllParents(parentsFor(author.id())).setEpoch(roster.epoch()).setSentAtMs(nowMs)
        .setNonce(ByteString.copyFrom(nonce)).setCutMember(cutMember).setCutSeq(cutSeq);
    b.setSealed(ByteString.copyFrom(gcm(Cipher.ENCRYPT_MODE, key, nonce, header(b), plain).orElseThrow()));
    byte[] body = b.build().toByteArray();
    SignedPost p = SignedPost.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(author.sign(DOMAIN, body))).build();
    PostVerdict v = offer(p);
    if (v != PostVerdict.ACCEPTED) {
      throw new IllegalStateException("own post refused: " + v);
    }
    return new Outcome.Done<>(p);
  }

  // The newest held post of each other author, newest first.
  private List<ByteString> parentsFor(NodeId author) {
    List<ByteString> out = new ArrayList<>();
    java.util.Set<NodeId> seen = new java.util.HashSet<>();
    for (int i = order.size() - 1; i >= 0 && out.size() < MAX_PARENTS; i--) {
      Post p = order.get(i);
      if (!p.author().equals(author) && seen.add(p.author())) {
        out.add(p.digest());
      }
    }
    return out;
  }

  // ---- taking posts

  /** Judge {@code p} and take it if it is the next post of a member's chain; return the verdict (drops counted). */
  public PostVerdict offer(SignedPost p) {
    PostVerdict v = judge(p);
    if (v.dropped()) {
      dropped.merge(v, 1L, Long::sum);
    }
    return v;
  }

  /** Count a post dropped before {@link #offer} (over the sender's budget). */
  public void countDropped(PostVerdict v) {
    dropped.merge(v, 1L, Long::sum);
  }

  private PostVerdict judge(SignedPost p) {
    if (p.getSerializedSize() > MAX_POST_BYTES) {
      return PostVerdict.MALFORMED;
    }
    PostBody b;
    try {
      b = PostBody.parseFrom(p.getBody());
    } catch (InvalidProtocolBufferException e) {
      return PostVerdict.MALFORMED;
    }
    if (b.getAuthor().size() != Identity.PUBLIC_KEY_BYTES || b.getSeq() < 1 || b.getNonce().size() != 12
        || b.getParentsCount() > MAX_PARENTS || p.getSignature().size() != Identity.SIGNATURE_BYTES
        || !b.getCutMember().isEmpty() && b.getCutMember().size() != NodeId.BYTES) {
      return PostVerdict.MALFORMED;
    }
    if (!b.getChannel().equals(id().bytes())) {
      return PostVerdict.WRONG_CHANNEL;
    }
    NodeId author = Identity.idOf(b.getAuthor().toByteArray());
    List<Post> chain = chains.getOrDefault(author, List.of());
    ByteString digest = ByteString.copyFrom(Identity.sha256(p.getBody().toByteArray()));
    if (b.getSeq() <= chain.size()) {
      if (chain.get((int) b.getSeq() - 1).digest().equals(digest)) {
        return PostVerdict.DUPLICATE;
      }
      return signed(p, b) ? PostVerdict.FORKED : PostVerdict.BAD_SIGNATURE;
    }
    Long cut = cuts.get(author);
    if (!roster.isMember(author)) {
      if (cut == null) {
        return PostVerdict.NOT_MEMBER;
      }
      if (b.getSeq() > cut) {
        return PostVerdict.CUT;
      }
    }
    if (b.getSeq() > chain.size() + 1L) {
      return PostVerdict.GAP;
    }
    if (b.getEpoch() > roster.epoch() || b.getEpoch() < 1) {
      return PostVerdict.FUTURE_EPOCH;
    }
    ByteString prev = chain.isEmpty() ? ByteString.EMPTY : chain.get(chain.size() - 1).digest();
    if (!b.getPrev().equals(prev)) {
      return PostVerdict.BROKEN_CHAIN;
    }
    if (chain.size() >= MAX_POSTS_PER_AUTHOR) {
      return PostVerdict.AUTHOR_FULL;
    }
    if (order.size() >= MAX_POSTS) {
      return PostVerdict.CHANNEL_FULL;
    }
    if (!signed(p, b)) {
      return PostVerdict.BAD_SIGNATURE;
    }
    if (!b.getCutMember().isEmpty() && !roster.admins().contains(author)) {
      return PostVerdict.NOT_OWNER;
    }
    Post post = new Post(author, b.getSeq(), digest, b, p);
    chains.computeIfAbsent(author, a -> new ArrayList<>()).add(post);
    order.add(post);
    headsDigest = null;
    if (!b.getCutMember().isEmpty()) {
      applyCut(NodeId.of(b.getCutMember().toByteArray()), b.getCutSeq());
    }
    return PostVerdict.ACCEPTED;
  }

  // Drop the removed member's posts beyond the cut, and keep the cut for later ones.
  private void applyCut(NodeId member, long seq) {
    cuts.put(member, seq);
    if (roster.isMember(member)) {
      return; // added again after the removal: its chain goes on
    }
    List<Post> chain = chains.get(member);
    if (chain == null || chain.size() <= seq) {
      return;
    }
    List<Post> gone = new ArrayList<>(chain.subList((int) seq, chain.size()));
    chain.subList((int) seq, chain.size()).clear();
    order.removeAll(gone);
    headsDigest = null;
    dropped.merge(PostVerdict.CUT, (long) gone.size(), Long::sum);
  }

  private static boolean signed(SignedPost p, PostBody b) {
    return Identity.verify(b.getAuthor().toByteArray(), DOMAIN, p.getBody().toByteArray(),
        p.getSignature().toByteArray());
  }

  // ---- reading

  /** Return every held post in the order this member took them, with its text where a held key opens it. */
  public List<Entry> read() {
    List<Entry> out = new ArrayList<>(order.size());
    for (Post p : order) {
      PostBody b = p.body();
      byte[] key = keys.get(b.getEpoch());
      Optional<String> text = key == null ? Optional.empty()
          : gcm(Cipher.DECRYPT_MODE, key, b.getNonce().toByteArray(), header(b.toBuilder()), b.getSealed().toByteArray())
              .flatMap(Channel::utf8);
      Optional<NodeId> cut = b.getCutMember().isEmpty() ? Optional.empty()
          : Optional.of(NodeId.of(b.getCutMember().toByteArray()));
      out.add(new Entry(p.author(), p.seq(), b.getEpoch(), b.getSentAtMs(), text, cut, b.getCutSeq()));
    }
    return out;
  }

  /** Return the seq of the newest post held of each author, by author id. */
  public Map<NodeId, Long> heads() {
    Map<NodeId, Long> out = new TreeMap<>();
    chains.forEach((a, c) -> {
      if (!c.isEmpty()) {
        out.put(a, (long) c.size());
      }
    });
    return out;
  }

  /**
   * Return a digest of {@link #heads()}: the first 8 bytes of SHA-256 over each (author id, seq)
   * in author order. Two members with the same heads hold the same posts.
   */
  public long headsDigest() {
    if (headsDigest == null) {
      Map<NodeId, Long> heads = heads();
      ByteBuffer b = ByteBuffer.allocate(heads.size() * (NodeId.BYTES + 8));
      heads.forEach((a, seq) -> b.put(a.toBytes()).putLong(seq));
      headsDigest = ByteBuffer.wrap(Identity.sha256(b.array())).getLong();
    }
    return headsDigest;
  }

  /**
   * Return up to {@code max} held posts that a member holding {@code theirs} (seq by author) lacks,
   * each author's in seq order, authors in id order.
   */
  public List<SignedPost> missing(Map<NodeId, Long> theirs, int max) {
    return missingPosts(theirs, max).stream().map(Post::wire).toList();
  }

  List<Post> missingPosts(Map<NodeId, Long> theirs, int max) {
    List<Post> out = new ArrayList<>();
    for (Map.Entry<NodeId, Long> h : heads().entrySet()) {
      List<Post> chain = chains.get(h.getKey());
      for (long s = theirs.getOrDefault(h.getKey(), 0L) + 1; s <= chain.size() && out.size() < max; s++) {
        out.add(chain.get((int) s - 1));
      }
    }
    return out;
  }

  /** Return whether a member holding {@code theirs} has a post this one lacks. */
  public boolean behind(Map<NodeId, Long> theirs) {
    Map<NodeId, Long> mine = heads();
    return theirs.entrySet().stream().anyMatch(e -> e.getValue() > mine.getOrDefault(e.getKey(), 0L));
  }

  // ---- getters

  /** Return the channel id (the digest of the roster's creation). */
  public NetworkId id() {
    return roster.id();
  }

  /** Return the roster held. */
  public Roster roster() {
    return roster;
  }

  /** Return whether this node is on the roster. */
  public boolean member() {
    return roster.isMember(me);
  }

  /** Return the epochs whose keys this member holds. */
  public List<Long> epochs() {
    return List.copyOf(keys.keySet());
  }

  /** Return how many posts are held. */
  public int size() {
    return order.size();
  }

  /** Return the posts dropped so far, by verdict. */
  public Map<PostVerdict, Long> dropped() {
    return Collections.unmodifiableMap(dropped);
  }

  // ---- sealing

  // The associated data: channel, author, seq and epoch, so a sealed text cannot move to another post.
  private static byte[] header(PostBody.Builder b) {
    return ByteBuffer.allocate(32 + 32 + 16).put(b.getChannel().toByteArray()).put(b.getAuthor().toByteArray())
        .putLong(b.getSeq()).putLong(b.getEpoch()).array();
  }

  private static Optional<byte[]> gcm(int mode, byte[] epochKey, byte[] nonce, byte[] aad, byte[] in) {
    if (epochKey.length != 32 || nonce.length != 12 || aad.length != 80) {
      return Optional.empty();
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(epochKey, "HmacSHA256"));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, new SecretKeySpec(mac.doFinal(POST_KEY), "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(aad);
      return Optional.of(c.doFinal(in));
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> utf8(byte[] b) {
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
