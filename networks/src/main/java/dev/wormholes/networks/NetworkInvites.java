package dev.wormholes.networks;

import com.google.common.io.BaseEncoding;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.networks.wire.JoinRequest;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One-time invites into networks: the links an admin made, and the check of a join request. An
 * invite's secret (32 bytes from the caller's SecureRandom) gives the key the joiner seals its
 * request with ({@link SealKey.Use#INVITE}); its tag, the request's key id, finds the invite.
 * Each invite admits one member: the same member may ask again (its answer got lost), at most
 * {@link #MAX_AGAIN} times in all (the count is kept with the used invite, so a restart does not
 * reset it); anyone else is refused as {@link JoinRefusal#REPLAYED}. Invites expire; refusals are
 * counted.
 *
 * <p>The answer to an admission is the roster (up to 64 KiB), so it goes only to an address that
 * proved it receives there. A request that came in a datagram must echo the cookie ({@link
 * #cookies}) this node gave its source address for its member key, else it gets {@link
 * Outcome.Challenge}, the cookie alone ({@link AddressCookies#BYTES} bytes against a request of
 * about 170), and changes nothing: no admission, no signature check, nothing spent. A holder of
 * the link (or of a captured request) sending from a forged source gets the cookie sent there and
 * nothing more. Refusals (2 bytes) go without a cookie: they are smaller than the request too. The
 * cookie is not signed: it proves the address, the signature the member. A request that came over
 * an authenticated stream (channel joins) needs no cookie: the stream proved the address.
 *
 * <p>{@link #encode} / {@link #decode}: the pending invites and the used ones (with the member
 * each admitted and how often it was answered again), so that a restart neither loses a link nor
 * forgets which links were used. The caller keeps the encoding after every {@link #create} and
 * every {@link #redeem} admission, before the admission's answer leaves.
 */
public final class NetworkInvites {
  /** Most invites pending at once; making one more forgets the oldest. */
  public static final int MAX_PENDING = 64;
  /**
   * Most times the member an invite admitted is answered again (its joiner retries a few times
   * while no answer came), kept across restarts: each answer is the roster, sent to an address
   * that echoed a cookie, and the used link stays a key that opens requests until it expires.
   */
  public static final int MAX_AGAIN = 3;
  /** Most used invites remembered (to name a replay as such). */
  public static final int MAX_USED = 1024;
  /** Text before the base32 of a link. */
  public static final String LINK_PREFIX = "wormholes-net:";
  static final byte[] JOIN = "wormholes-network-join-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] COOKIE_DOMAIN = "wormholes-network-join-cookie".getBytes(StandardCharsets.US_ASCII);
  private static final BaseEncoding BASE32 = BaseEncoding.base32().omitPadding().lowerCase();

  /** An invite: the network, whether the joiner becomes an admin, its secret's key, expiry (Unix s), the secret. */
  public record Pending(NetworkId network, boolean admin, SealKey key, long expires, byte[] secret) {}

  /** A used invite, the member it admitted, and how often that member was answered again. */
  private record Used(Pending invite, NodeId member, int again) {}

  private static final int VERSION = 2;
  /** The encoding before the count of answers again was kept (read as none). */
  private static final int VERSION_WITHOUT_AGAIN = 1;
  /** Bytes of one invite in the encoding: network, admin flag, secret, expiry. */
  private static final int INVITE_BYTES = NetworkId.BYTES + 1 + 32 + 8;

  /** The outcome of a join request. */
  public sealed interface Outcome {
    /** Admit {@code member} (again, if {@code again}: it asked before and was admitted). */
    record Admit(Pending invite, Member member, boolean again) implements Outcome {}

    /** Refused; counted. */
    record Refused(JoinRefusal refusal) implements Outcome {}

    /**
     * The source address is not proven: send it only {@code cookie} (sealed for {@code
     * requester}, under the invite's key); a request echoing it from there is checked.
     */
    record Challenge(NodeId requester, byte[] cookie) implements Outcome {}
  }

  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private final Map<Long, Used> used = new LinkedHashMap<>();
  private final EnumMap<JoinRefusal, Long> refused = new EnumMap<>(JoinRefusal.class);
  private long challenges;

  /** Return the cookies of join requests that come in datagrams, under {@code secret} (at least 32 random bytes, one per run). */
  public static AddressCookies cookies(byte[] secret) {
    return new AddressCookies(secret, COOKIE_DOMAIN);
  }

  /** Remember an invite into {@code network} with {@code secret} until {@code expires}. */
  public Pending create(NetworkId network, byte[] secret, boolean admin, long expires) {
    if (secret.length != 32) {
      throw new IllegalArgumentException("an invite secret is 32 bytes");
    }
    Pending p = new Pending(network, admin, SealKey.of(secret, SealKey.Use.INVITE), expires, secret.clone());
    if (pending.size() >= MAX_PENDING) {
      Iterator<Long> oldest = pending.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    pending.put(p.key().id(), p);
    return p;
  }

  /** Return the pending invites (their keys go into the keyring). */
  public List<Pending> pending() {
    return List.copyOf(pending.values());
  }

  /**
   * Return the invites whose keys must open join requests at Unix second {@code now}: the pending
   * ones and the used ones not yet expired (their member may ask again; anyone else is told the
   * link was used).
   */
  public List<Pending> keys(long now) {
    List<Pending> out = new java.util.ArrayList<>(pending.values());
    used.values().stream().map(Used::invite).filter(p -> now <= p.expires()).forEach(out::add);
    return out;
  }

  /**
   * Check {@code request}, which came with the key of id {@code tag} over a path that proves its
   * sender's address (an authenticated stream), at Unix second {@code now}: as {@link
   * #redeem(long, byte[], InetSocketAddress, long, AddressCookies)} without the cookie.
   */
  public Outcome redeem(long tag, byte[] request, long now) {
    return redeem(tag, request, null, now * 1000, null);
  }

  /**
   * Check {@code request}, which arrived in a datagram sealed with the key of id {@code tag} from
   * {@code from} (resolved), at {@code now} (Unix ms), its cookie checked with {@code cookies}
   * (from {@link #cookies}). In order: the invite is known (else {@link
   * JoinRefusal#UNKNOWN}), the request parses and names the invite's network ({@link
   * JoinRefusal#BAD_REQUEST}), a pending invite has not expired ({@link JoinRefusal#EXPIRED}), a
   * used one is asked by the member it admitted, fewer than {@link #MAX_AGAIN} times again ({@link
   * JoinRefusal#REPLAYED}); then the cookie ({@link Outcome.Challenge} without it), then the
   * signature ({@link JoinRefusal#BAD_REQUEST}); only then is the invite used or the count charged.
   */
  public Outcome redeem(long tag, byte[] request, InetSocketAddress from, long now, AddressCookies cookies) {
    Pending p = pending.get(tag);
    Used first = used.get(tag);
    if (p == null && first == null) {
      return refuse(JoinRefusal.UNKNOWN);
    }
    Optional<JoinRequest> r = parse(request, p != null ? p.network() : first.invite().network());
    if (r.isEmpty()) {
      return refuse(JoinRefusal.BAD_REQUEST);
    }
    Member m = Member.of(r.get().getMember()).orElseThrow();
    if (p != null && now / 1000 > p.expires()) {
      pending.remove(tag);
      return refuse(JoinRefusal.EXPIRED);
    }
    if (p == null && (!m.id().equals(first.member()) || first.again() >= MAX_AGAIN)) {
      return refuse(JoinRefusal.REPLAYED);
    }
    if (cookies != null && !cookies.valid(r.get().getCookie().toByteArray(), from, m.publicKey(), now)) {
      challenges++;
      return new Outcome.Challenge(m.id(), cookies.make(from, m.publicKey(), now));
    }
    if (!Identity.verify(m.publicKey(), JOIN, signed(r.get().getNetwork(), tag, m), r.get().getSignature().toByteArray())) {
      return refuse(JoinRefusal.BAD_REQUEST);
    }
    if (p == null) {
      used.put(tag, new Used(first.invite(), first.member(), first.again() + 1));
      return new Outcome.Admit(null, m, true);
    }
    pending.remove(tag);
    used.put(tag, new Used(p, m.id(), 0));
    if (used.size() > MAX_USED) {
      Iterator<Long> oldest = used.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    return new Outcome.Admit(p, m, false);
  }

  /** Return {@code request} if it parses, names {@code network} and a well-formed member (its signature unchecked). */
  private static Optional<JoinRequest> parse(byte[] request, NetworkId network) {
    try {
      JoinRequest r = JoinRequest.parseFrom(request);
      return Member.of(r.getMember()).isPresent() && r.getNetwork().equals(network.bytes()) ? Optional.of(r)
          : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  private static byte[] signed(ByteString network, long tag, Member m) {
    return java.nio.ByteBuffer.allocate(network.size() + 8 + m.boxKey().length)
        .put(network.toByteArray()).putLong(tag).put(m.boxKey()).array();
  }

  /** Return the join request of {@code me} for the invite in {@code link}, without a cookie (the first of a round). */
  public static byte[] request(Identity me, InviteLink link) {
    return request(me, link, new byte[0]);
  }

  /** Return the join request of {@code me} for the invite in {@code link} echoing {@code cookie} (a challenge's). */
  public static byte[] request(Identity me, InviteLink link, byte[] cookie) {
    Member m = Member.of(me);
    long tag = SealKey.of(link.getSecret().toByteArray(), SealKey.Use.INVITE).id();
    return JoinRequest.newBuilder().setNetwork(link.getNetwork()).setMember(m.keys())
        .setSignature(ByteString.copyFrom(me.sign(JOIN, signed(link.getNetwork(), tag, m))))
        .setCookie(ByteString.copyFrom(cookie)).build().toByteArray();
  }

  /** Return the text of {@code link}. */
  public static String text(InviteLink link) {
    return LINK_PREFIX + BASE32.encode(link.toByteArray());
  }

  /** Return the link in {@code text}, or empty if it is not one (or has no 32-byte secret and id). */
  public static Optional<InviteLink> parseLink(String text) {
    String t = text.trim();
    if (!t.startsWith(LINK_PREFIX) || t.length() > 4096) {
      return Optional.empty();
    }
    try {
      InviteLink l = InviteLink.parseFrom(BASE32.decode(t.substring(LINK_PREFIX.length()).toLowerCase()));
      return l.getSecret().size() == 32 && l.getNetwork().size() == NetworkId.BYTES
          && l.getInviter().size() == Identity.PUBLIC_KEY_BYTES ? Optional.of(l) : Optional.empty();
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /** Return the pending and used invites (with each member answered again how often) as bytes for {@link #decode}. */
  public byte[] encode() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(5 + pending.size() * INVITE_BYTES
        + used.size() * (INVITE_BYTES + NodeId.BYTES + 1));
    b.put((byte) VERSION).putShort((short) pending.size());
    pending.values().forEach(p -> put(b, p));
    b.putShort((short) used.size());
    used.values().forEach(u -> put(put(b, u.invite()), u.member()).put((byte) u.again()));
    return b.array();
  }

  private static java.nio.ByteBuffer put(java.nio.ByteBuffer b, Pending p) {
    return b.put(p.network().bytes().toByteArray()).put((byte) (p.admin() ? 1 : 0)).put(p.secret()).putLong(p.expires());
  }

  private static java.nio.ByteBuffer put(java.nio.ByteBuffer b, NodeId id) {
    return b.put(id.toBytes());
  }

  /**
   * Return the invites {@code bytes} (from {@link #encode}, or of the encoding before it kept the
   * count of answers again: read as none) hold, or empty if they do not parse within the limits.
   */
  public static Optional<NetworkInvites> decode(byte[] bytes) {
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      int version = b.get();
      if (version != VERSION && version != VERSION_WITHOUT_AGAIN) {
        return Optional.empty();
      }
      NetworkInvites out = new NetworkInvites();
      int n = b.getShort() & 0xffff;
      if (n > MAX_PENDING) {
        return Optional.empty();
      }
      for (int i = 0; i < n; i++) {
        Pending p = invite(b);
        out.pending.put(p.key().id(), p);
      }
      int u = b.getShort() & 0xffff;
      if (u > MAX_USED) {
        return Optional.empty();
      }
      for (int i = 0; i < u; i++) {
        Pending p = invite(b);
        byte[] id = new byte[NodeId.BYTES];
        b.get(id);
        int again = version == VERSION ? b.get() & 0xff : 0;
        out.used.put(p.key().id(), new Used(p, NodeId.of(id), again));
      }
      return b.hasRemaining() ? Optional.empty() : Optional.of(out);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Pending invite(java.nio.ByteBuffer b) {
    byte[] network = new byte[NetworkId.BYTES];
    b.get(network);
    int admin = b.get();
    byte[] secret = new byte[32];
    b.get(secret);
    long expires = b.getLong();
    if (admin != 0 && admin != 1) {
      throw new IllegalArgumentException("bad admin flag");
    }
    NetworkId id = NetworkId.tryOf(ByteString.copyFrom(network)).orElseThrow(IllegalArgumentException::new);
    return new Pending(id, admin == 1, SealKey.of(secret, SealKey.Use.INVITE), expires, secret);
  }

  /** Return how many requests were answered with a cookie only (their source address not proven). */
  public long challenges() {
    return challenges;
  }

  /** Return the refusals so far by reason. */
  public Map<JoinRefusal, Long> refused() {
    return new EnumMap<>(refused);
  }

  private Outcome refuse(JoinRefusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Outcome.Refused(r);
  }
}
