package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.HeadClaim;
import dev.wormholes.people.wire.SignedHeadClaim;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Corroboration by friends: a node asks its own contacts which log head they hold for a persona;
 * each answers with a {@link HeadClaim} signed by its node key and naming the asker (so it cannot
 * be replayed to another node); the asker judges each claim against the log it holds and counts.
 * No scores, nothing transitive: only the contacts' own answers.
 */
public final class Corroboration {
  static final byte[] DOMAIN = "wormholes-persona-head-v1".getBytes(StandardCharsets.US_ASCII);

  private Corroboration() {}

  /** How one friend's claim stands to the asker's log. */
  public enum Verdict {
    /** The same head. */
    AGREE,
    /** An earlier head of the same log (the friend has not seen the latest events). */
    BEHIND,
    /** A head past the asker's log: the asker should fetch the log. */
    AHEAD,
    /** Another event at a seq the asker holds: somebody was shown a different log. */
    DISAGREE,
    /** The friend holds no log of the persona. */
    UNKNOWN
  }

  /** One friend's answer as judged. */
  public record Answer(String friend, Verdict verdict, Optional<LogHead> head, boolean verified) {}

  /**
   * Return the claim of node {@code node} about {@code persona} for {@code asker}: {@code held} is
   * the contact it holds for that persona, if any.
   */
  public static SignedHeadClaim claim(Identity node, PersonaId persona, Optional<Contact> held, NodeId asker) {
    HeadClaim.Builder c = HeadClaim.newBuilder()
        .setPersona(ByteString.copyFrom(persona.toBytes()))
        .setAsker(ByteString.copyFrom(asker.toBytes()));
    held.ifPresent(h -> c.setKnown(true)
        .setSeq(h.pinned().seq())
        .setDigest(ByteString.copyFrom(h.pinned().digest()))
        .setVerified(h.verified())
        .setSince(h.firstSeen()));
    byte[] body = c.build().toByteArray();
    return SignedHeadClaim.newBuilder()
        .setClaim(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(node.sign(DOMAIN, body)))
        .setNodeKey(ByteString.copyFrom(node.publicKey()))
        .build();
  }

  /**
   * Return the claim in {@code signed} if node {@code from} signed it about {@code persona} for
   * {@code asker}; empty for anything else (peer bytes: never throws).
   */
  public static Optional<HeadClaim> open(SignedHeadClaim signed, NodeId from, PersonaId persona, NodeId asker) {
    byte[] key = signed.getNodeKey().toByteArray();
    byte[] body = signed.getClaim().toByteArray();
    if (key.length != Identity.PUBLIC_KEY_BYTES || !Identity.idOf(key).equals(from)
        || !Identity.verify(key, DOMAIN, body, signed.getSignature().toByteArray())) {
      return Optional.empty();
    }
    HeadClaim c;
    try {
      c = HeadClaim.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    if (!Arrays.equals(c.getPersona().toByteArray(), persona.toBytes())
        || !Arrays.equals(c.getAsker().toByteArray(), asker.toBytes())
        || (c.getKnown() && c.getDigest().size() != 32)) {
      return Optional.empty();
    }
    return Optional.of(c);
  }

  /** Judge friend {@code friend}'s {@code claim} against the log {@code mine} holds. */
  public static Answer judge(String friend, KeyLog mine, HeadClaim claim) {
    if (!claim.getKnown()) {
      return new Answer(friend, Verdict.UNKNOWN, Optional.empty(), false);
    }
    LogHead head = new LogHead(claim.getSeq(), claim.getDigest().toByteArray());
    Verdict v = switch (LogItems.standing(mine, head)) {
      case SAME -> Verdict.AGREE;
      case OLDER -> Verdict.BEHIND;
      case NEWER -> Verdict.AHEAD;
      case CONFLICT -> Verdict.DISAGREE;
    };
    return new Answer(friend, v, Optional.of(head), claim.getVerified());
  }

  /**
   * Return the one-line summary: "N of M friends agree" counting the friends who hold the same log
   * (the same head, or an earlier head of it) among those who know the persona at all.
   */
  public static String summary(List<Answer> answers) {
    long knowing = answers.stream().filter(a -> a.verdict() != Verdict.UNKNOWN).count();
    long agree = answers.stream().filter(a -> a.verdict() == Verdict.AGREE || a.verdict() == Verdict.BEHIND).count();
    long disagree = answers.stream().filter(a -> a.verdict() == Verdict.DISAGREE).count();
    return agree + " of " + knowing + " friends agree" + (disagree > 0 ? ", " + disagree + " disagree" : "");
  }
}
