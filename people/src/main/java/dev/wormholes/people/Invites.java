package dev.wormholes.people;

import com.google.common.io.BaseEncoding;
import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inviter's side of link invites: the invites it made and has not seen redeemed, and the
 * handshake check of an {@link InviteAccept}. Each invite is single use and expires; a replayed,
 * expired, unknown or wrongly proven accept is refused and counted by {@link Refusal}. Time is
 * handed in (Unix seconds); the secret is handed in (drawn by the caller from a SecureRandom).
 */
public final class Invites {
  /** Most invites pending at once; making one more forgets the oldest. */
  public static final int MAX_PENDING = 64;
  /** Most redeemed or burnt tags remembered (to name a replay as such); the oldest go first. */
  public static final int MAX_USED = 1024;

  static final byte[] ACCEPT = "accept".getBytes(StandardCharsets.US_ASCII);
  static final byte[] ANSWER = "answer".getBytes(StandardCharsets.US_ASCII);
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  /** Why an accept was refused. */
  public enum Refusal {
    /** No pending invite has that tag. */
    UNKNOWN,
    /** The invite was used already (or burnt by a failed try). */
    REPLAYED,
    /** The invite expired. */
    EXPIRED,
    /** The proof is not made with the invite's secret: the invite is burnt. */
    BAD_PROOF,
    /** The acceptor's key log does not verify. */
    BAD_LOG
  }

  /** An invite this node made, waiting to be accepted. */
  public record Pending(byte[] secret, String petname, long expires) {}

  /** The outcome of an accept. */
  public sealed interface Outcome {
    /** The invite is redeemed: the acceptor is who this log says, to be called {@code petname}. */
    record Redeemed(Pending invite, KeyLog acceptor, String petnameHint) implements Outcome {}

    /** Refused; counted. */
    record Refused(Refusal refusal) implements Outcome {}
  }

  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final Map<String, Long> used = new LinkedHashMap<>();
  private final EnumMap<Refusal, Long> refused = new EnumMap<>(Refusal.class);

  /**
   * Make an invite with {@code secret}, valid until {@code expires}, for the person to be called
   * {@code petname} once they accept (may be empty: the acceptor's hint is used then).
   */
  public Invite create(byte[] secret, PersonaId me, NodeId node, List<String> endpoints,
      String petname, long expires) {
    Invite invite = new Invite(secret, me, node, endpoints.subList(0, Math.min(endpoints.size(),
        Invite.MAX_ENDPOINTS)), expires);
    if (pending.size() >= MAX_PENDING) {
      Iterator<String> oldest = pending.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    pending.put(HEX.encode(Invite.tag(secret)), new Pending(secret.clone(), petname, expires));
    return invite;
  }

  /** Check an accept for an invite of {@code me}, at {@code now}. */
  public Outcome redeem(InviteAccept accept, PersonaId me, long now) {
    String tag = HEX.encode(accept.getInviteTag().toByteArray());
    if (used.containsKey(tag)) {
      return refuse(Refusal.REPLAYED);
    }
    Pending p = pending.get(tag);
    if (p == null) {
      return refuse(Refusal.UNKNOWN);
    }
    if (now > p.expires()) {
      pending.remove(tag);
      remember(tag);
      return refuse(Refusal.EXPIRED);
    }
    if (!(KeyLog.decode(accept.getLog().toByteArray()) instanceof LogResult.Valid v)) {
      return refuse(Refusal.BAD_LOG);
    }
    pending.remove(tag);
    remember(tag);
    byte[] expected = acceptProof(p.secret(), me, v.log());
    if (!MessageDigest.isEqual(expected, accept.getProof().toByteArray())) {
      return refuse(Refusal.BAD_PROOF);
    }
    return new Outcome.Redeemed(p, v.log(), accept.getPetnameHint());
  }

  /** Return the answer to a redeemed invite, proving this side knows the secret too. */
  public static InviteAnswer answer(Outcome.Redeemed r, KeyLog mine, String petnameHint) {
    return InviteAnswer.newBuilder()
        .setOk(true)
        .setLog(ContactCodec.wire(mine))
        .setProof(ByteString.copyFrom(answerProof(r.invite().secret(), r.acceptor().state().persona(), mine)))
        .setPetnameHint(petnameHint)
        .build();
  }

  /** Return the answer to a refused accept. */
  public static InviteAnswer refusal(Refusal r) {
    String text = switch (r) {
      case UNKNOWN -> "no such invite: it was never made here, or it was forgotten";
      case REPLAYED -> "this invite was used already";
      case EXPIRED -> "this invite expired";
      case BAD_PROOF -> "the invite's secret does not match";
      case BAD_LOG -> "your key log does not verify";
    };
    return InviteAnswer.newBuilder().setOk(false).setRefusal(text).build();
  }

  /** Return how many accepts were refused for {@code r}. */
  public long refused(Refusal r) {
    return refused.getOrDefault(r, 0L);
  }

  /** Return the counts of refusals by reason. */
  public Map<Refusal, Long> refusals() {
    return new EnumMap<>(refused);
  }

  /** Return the number of invites pending. */
  public int pendingCount() {
    return pending.size();
  }

  /** Forget invites expired at {@code now}. */
  public void expire(long now) {
    pending.values().removeIf(p -> now > p.expires());
  }

  static byte[] acceptProof(byte[] secret, PersonaId inviter, KeyLog acceptor) {
    return Invite.mac(secret, ACCEPT, inviter.toBytes(), acceptor.state().persona().toBytes(),
        acceptor.state().head().digest());
  }

  static byte[] answerProof(byte[] secret, PersonaId acceptor, KeyLog inviter) {
    return Invite.mac(secret, ANSWER, acceptor.toBytes(), inviter.state().persona().toBytes(),
        inviter.state().head().digest());
  }

  private void remember(String tag) {
    if (used.size() >= MAX_USED) {
      Iterator<String> oldest = used.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    used.put(tag, 0L);
  }

  private Outcome refuse(Refusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Outcome.Refused(r);
  }
}
