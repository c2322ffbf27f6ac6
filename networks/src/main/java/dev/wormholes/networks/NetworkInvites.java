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
 * Each invite admits one member: the same member may ask again (its answer got lost), anyone else
 * is refused as {@link JoinRefusal#REPLAYED}. Invites expire; refusals are counted. Time is Unix
 * seconds handed in.
 */
public final class NetworkInvites {
  /** Most invites pending at once; making one more forgets the oldest. */
  public static final int MAX_PENDING = 64;
  /** Most used invites remembered (to name a replay as such). */
  public static final int MAX_USED = 1024;
  /** Text before the base32 of a link. */
  public static final String LINK_PREFIX = "wormholes-net:";
  static final byte[] JOIN = "wormholes-network-join-v1".getBytes(StandardCharsets.US_ASCII);
  private static final BaseEncoding BASE32 = BaseEncoding.base32().omitPadding().lowerCase();

  /** An invite: the network, whether the joiner becomes an admin, its secret's key, expiry (Unix s). */
  public record Pending(NetworkId network, boolean admin, SealKey key, long expires) {}

  /** The outcome of a join request. */
  public sealed interface Outcome {
    /** Admit {@code member} (again, if {@code again}: it asked before and was admitted). */
    record Admit(Pending invite, Member member, boolean again) implements Outcome {}

    /** Refused; counted. */
    record Refused(JoinRefusal refusal) implements Outcome {}
  }

  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private final Map<Long, NodeId> used = new LinkedHashMap<>();
  private final EnumMap<JoinRefusal, Long> refused = new EnumMap<>(JoinRefusal.class);

  /** Remember an invite into {@code network} with {@code secret} until {@code expires}. */
  public Pending create(NetworkId network, byte[] secret, boolean admin, long expires) {
    Pending p = new Pending(network, admin, SealKey.of(secret, SealKey.Use.INVITE), expires);
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

  /** Check {@code request}, which arrived sealed with the key of id {@code tag}, at Unix second {@code now}. */
  public Outcome redeem(long tag, byte[] request, long now) {
    Pending p = pending.get(tag);
    Optional<Member> m = parse(request, tag, p == null ? null : p.network());
    if (p == null) {
      NodeId first = used.get(tag);
      if (first == null) {
        return refuse(JoinRefusal.UNKNOWN);
      }
      return m.isPresent() && m.get().id().equals(first) ? new Outcome.Admit(null, m.get(), true)
          : refuse(JoinRefusal.REPLAYED);
    }
    if (now > p.expires()) {
      pending.remove(tag);
      return refuse(JoinRefusal.EXPIRED);
    }
    if (m.isEmpty()) {
      return refuse(JoinRefusal.BAD_REQUEST);
    }
    pending.remove(tag);
    used.put(tag, m.get().id());
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

  /** Return the refusals so far by reason. */
  public Map<JoinRefusal, Long> refused() {
    return new EnumMap<>(refused);
  }

  private Outcome refuse(JoinRefusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Outcome.Refused(r);
  }
}
