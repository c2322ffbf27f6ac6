package dev.wormholes.networks;

import com.google.common.io.BaseEncoding;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.networks.wire.JoinRequest;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
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
 * {@link #MAX_AGAIN} times a run; anyone else is refused as {@link JoinRefusal#REPLAYED}. Invites expire; refusals are counted. Time is Unix
 * seconds handed in.
 *
 * <p>{@link #encode} / {@link #decode}: the pending invites and the used ones (with the member
 * each admitted), so that a restart neither loses a link nor forgets which links were used. The
 * caller keeps the encoding after every {@link #create} and every first {@link #redeem} admission,
 * before the admission's answer leaves.
 */
public final class NetworkInvites {
  /** Most invites pending at once; making one more forgets the oldest. */
  public static final int MAX_PENDING = 64;
  /**
   * Most times the member an invite admitted is answered again in one run (its joiner retries a
   * few times while no answer came): the answer is the roster, larger than the request, and a
   * holder of the used link can seal copies of the request from any source address.
   */
  public static final int MAX_AGAIN = 3;
  /** Most used invites remembered (to name a replay as such). */
  public static final int MAX_USED = 1024;
  /** Text before the base32 of a link. */
  public static final String LINK_PREFIX = "wormholes-net:";
  static final byte[] JOIN = "wormholes-network-join-v1".getBytes(StandardCharsets.US_ASCII);
  private static final BaseEncoding BASE32 = BaseEncoding.base32().omitPadding().lowerCase();

  /** An invite: the network, whether the joiner becomes an admin, its secret's key, expiry (Unix s), the secret. */
  public record Pending(NetworkId network, boolean admin, SealKey key, long expires, byte[] secret) {}

  /** A used invite, the member it admitted, and how often that member was answered again this run. */
  private record Used(Pending invite, NodeId member, int again) {}

  private static final int VERSION = 1;
  /** Bytes of one invite in the encoding: network, admin flag, secret, expiry. */
  private static final int INVITE_BYTES = NetworkId.BYTES + 1 + 32 + 8;

  /** The outcome of a join request. */
  public sealed interface Outcome {
    /** Admit {@code member} (again, if {@code again}: it asked before and was admitted). */
    record Admit(Pending invite, Member member, boolean again) implements Outcome {}

    /** Refused; counted. */
    record Refused(JoinRefusal refusal) implements Outcome {}
  }

  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private final Map<Long, Used> used = new LinkedHashMap<>();
  private final EnumMap<JoinRefusal, Long> refused = new EnumMap<>(JoinRefusal.class);

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

  /** Check {@code request}, which arrived sealed with the key of id {@code tag}, at Unix second {@code now}. */
  public Outcome redeem(long tag, byte[] request, long now) {
    Pending p = pending.get(tag);
    Optional<Member> m = parse(request, tag, p == null ? null : p.network());
    if (p == null) {
      Used first = used.get(tag);
      if (first == null) {
        return refuse(JoinRefusal.UNKNOWN);
      }
      if (m.isEmpty() || !m.get().id().equals(first.member()) || first.again() >= MAX_AGAIN) {
        return refuse(JoinRefusal.REPLAYED);
      }
      used.put(tag, new Used(first.invite(), first.member(), first.again() + 1));
      return new Outcome.Admit(null, m.get(), true);
    }
    if (now > p.expires()) {
      pending.remove(tag);
      return refuse(JoinRefusal.EXPIRED);
    }
    if (m.isEmpty()) {
      return refuse(JoinRefusal.BAD_REQUEST);
    }
    pending.remove(tag);
    used.put(tag, new Used(p, m.get().id(), 0));
    if (used.size() > MAX_USED) {
      Iterator<Long> oldest = used.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    return new Outcome.Admit(p, m.get(), false);
  }

  private static Optional<Member> parse(byte[] request, long tag, NetworkId network) {
    try {
      JoinRequest r = JoinRequest.parseFrom(request);
      Optional<Member> m = Member.of(r.getMember());
      if (m.isEmpty() || network != null && !r.getNetwork().equals(network.bytes())
          || !Identity.verify(m.get().publicKey(), JOIN, signed(r.getNetwork(), tag, m.get()),
              r.getSignature().toByteArray())) {
        return Optional.empty();
      }
      return m;
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  private static byte[] signed(ByteString network, long tag, Member m) {
    return java.nio.ByteBuffer.allocate(network.size() + 8 + m.boxKey().length)
        .put(network.toByteArray()).putLong(tag).put(m.boxKey()).array();
  }

  /** Return the join request of {@code me} for the invite in {@code link}. */
  public static byte[] request(Identity me, InviteLink link) {
    Member m = Member.of(me);
    long tag = SealKey.of(link.getSecret().toByteArray(), SealKey.Use.INVITE).id();
    return JoinRequest.newBuilder().setNetwork(link.getNetwork()).setMember(m.keys())
        .setSignature(ByteString.copyFrom(me.sign(JOIN, signed(link.getNetwork(), tag, m))))
        .build().toByteArray();
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

  /** Return the pending and used invites as bytes for {@link #decode}. */
  public byte[] encode() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(5 + pending.size() * INVITE_BYTES
        + used.size() * (INVITE_BYTES + NodeId.BYTES));
    b.put((byte) VERSION).putShort((short) pending.size());
    pending.values().forEach(p -> put(b, p));
    b.putShort((short) used.size());
    used.values().forEach(u -> put(put(b, u.invite()), u.member()));
    return b.array();
  }

  private static java.nio.ByteBuffer put(java.nio.ByteBuffer b, Pending p) {
    return b.put(p.network().bytes().toByteArray()).put((byte) (p.admin() ? 1 : 0)).put(p.secret()).putLong(p.expires());
  }

  private static java.nio.ByteBuffer put(java.nio.ByteBuffer b, NodeId id) {
    return b.put(id.toBytes());
  }

  /** Return the invites {@code bytes} (from {@link #encode}) hold, or empty if they do not parse within the limits. */
  public static Optional<NetworkInvites> decode(byte[] bytes) {
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      if (b.get() != VERSION) {
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
        out.used.put(p.key().id(), new Used(p, NodeId.of(id), 0));
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

  /** Return the refusals so far by reason. */
  public Map<JoinRefusal, Long> refused() {
    return new EnumMap<>(refused);
  }

  private Outcome refuse(JoinRefusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Outcome.Refused(r);
  }
}
