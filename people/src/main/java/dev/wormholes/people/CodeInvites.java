package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.CodeAnswer;
import dev.wormholes.people.wire.CodeRequest;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Invites by a code a person reads aloud, {@code 123-456-789-012}: the first six digits are the
 * nameplate, which finds the inviter (a DHT item under a key pair derived from the nameplate
 * names the inviter's node); the last six are the password of a J-PAKE exchange ({@link CodePake}),
 * whose key becomes the secret of an ordinary invite ({@link Invites}). Anybody who learns the
 * nameplate can redirect it, but gets one guess at the password: a code serves one exchange, is
 * burnt by a wrong confirmation, by a second start and by its expiry, and refusals are counted.
 * Time (Unix seconds) and randomness are handed in. Not thread-safe.
 */
public final class CodeInvites {
  /** Most codes pending at once; making one more forgets the oldest. */
  public static final int MAX_PENDING = 16;
  /** Seconds an exchange may take from its start to its finish. */
  public static final long EXCHANGE_SECONDS = 60;

  private static final byte[] NAMEPLATE_DOMAIN = "wormholes-code-nameplate-v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SALT = "wormholes:invite-code:v1".getBytes(StandardCharsets.US_ASCII);

  /** A code: six digits of nameplate, six of password. */
  public record Code(String nameplate, String password) {
    /** Return the code as a person reads it: {@code 123-456-789-012}. */
    public String text() {
      return nameplate.substring(0, 3) + "-" + nameplate.substring(3) + "-" + password.substring(0, 3) + "-"
          + password.substring(3);
    }

    /** Parse a code (twelve digits; spaces and dashes anywhere), or empty. */
    public static Optional<Code> parse(String text) {
      String d = text.replaceAll("[\\s-]", "");
      return d.length() == 12 && d.chars().allMatch(c -> c >= '0' && c <= '9')
          ? Optional.of(new Code(d.substring(0, 6), d.substring(6))) : Optional.empty();
    }

    /** Return a fresh code from {@code random}. */
    public static Code draw(SecureRandom random) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        sb.append((char) ('0' + random.nextInt(10)));
      }
      return new Code(sb.substring(0, 6), sb.substring(6));
    }
  }

  /** Why a code request was refused. */
  public enum Refusal {
    /** No pending code has that nameplate. */
    UNKNOWN,
    /** The code's one exchange has started already: the code is burnt. */
    IN_USE,
    /** The code expired. */
    EXPIRED,
    /** The key confirmation failed (a wrong password): the code is burnt. */
    WRONG_CODE,
    /** A round does not parse or validate: the code is burnt. */
    MALFORMED
  }

  /** The answer to one request; on a finished exchange, {@code secret} and {@code petname} make the invite. */
  public record Answer(CodeAnswer answer, Optional<byte[]> secret, String petname) {}

  private record Pending(Code code, String petname, long expires, CodePake pake, long startedAt) {}

  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final EnumMap<Refusal, Long> refused = new EnumMap<>(Refusal.class);

  /** Make a code for a person to be called {@code petname} (may be empty), valid until {@code expires}. */
  public Code create(SecureRandom random, String petname, long expires) {
    Code c = Code.draw(random);
    while (pending.containsKey(c.nameplate())) {
      c = Code.draw(random);
    }
    if (pending.size() >= MAX_PENDING) {
      Iterator<String> oldest = pending.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    pending.put(c.nameplate(), new Pending(c, petname, expires, null, 0));
    return c;
  }

  /**
   * Answer {@code r} (a start or a finish) for the persona {@code me} at {@code now}, drawing from
   * {@code random}. Peer input: never throws.
   */
  public Answer answer(CodeRequest r, PersonaId me, SecureRandom random, long now) {
    Pending p = pending.get(r.getNameplate());
    if (p == null) {
      return refuse(Refusal.UNKNOWN);
    }
    if (now > p.expires() || (p.pake() != null && now > p.startedAt() + EXCHANGE_SECONDS)) {
      pending.remove(r.getNameplate());
      return refuse(Refusal.EXPIRED);
    }
    if (r.hasRound1()) {
      if (p.pake() != null) {
        pending.remove(r.getNameplate()); // two starts: somebody else knows the nameplate
        return refuse(Refusal.IN_USE);
      }
      CodePake pake = new CodePake(true, p.code().password(), random);
      CodeAnswer.Builder a = CodeAnswer.newBuilder().setOk(true).setRound1(pake.round1());
      if (!pake.takeRound1(r.getRound1())) {
        pending.remove(r.getNameplate());
        return refuse(Refusal.MALFORMED);
      }
      pending.put(r.getNameplate(), new Pending(p.code(), p.petname(), p.expires(), pake, now));
      return new Answer(a.setRound2(pake.round2()).build(), Optional.empty(), "");
    }
    pending.remove(r.getNameplate()); // a finish ends the code whatever it brings
    if (p.pake() == null || !r.hasRound2()) {
      return refuse(Refusal.MALFORMED);
    }
    if (!p.pake().takeRound2(r.getRound2())) {
      return refuse(Refusal.MALFORMED);
    }
    ByteString mac = p.pake().mac();
    if (!p.pake().takeMac(r.getMac())) {
      return refuse(Refusal.WRONG_CODE);
    }
    CodeAnswer a = CodeAnswer.newBuilder().setOk(true).setMac(mac)
        .setPersona(ByteString.copyFrom(me.toBytes())).build();
    return new Answer(a, Optional.of(p.pake().secret()), p.petname());
  }

  /** Return the counts of refusals by reason. */
  public Map<Refusal, Long> refusals() {
    return new EnumMap<>(refused);
  }

  /** Return how many codes are pending. */
  public int pendingCount() {
    return pending.size();
  }

  /** Return the key pair every holder of {@code nameplate} derives: its DHT item names the inviter. */
  public static Identity nameplateKey(String nameplate) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(NAMEPLATE_DOMAIN);
      return Identity.fromSeed(d.digest(nameplate.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Return the DHT key of {@code nameplate}'s item. */
  public static NodeId pointerKey(String nameplate) {
    return DhtValues.mutableKey(nameplateKey(nameplate).publicKey(), SALT);
  }

  /** Return the item saying that {@code node} holds {@code nameplate}, as of {@code seq} (Unix seconds), for {@code networkId}. */
  public static StoredValue pointer(String nameplate, NodeId node, long seq, long networkId) {
    return DhtValues.mutable(nameplateKey(nameplate), SALT, seq, node.toBytes(), networkId);
  }

  /** Return the node an item found under {@link #pointerKey}{@code (nameplate)} names, or empty. */
  public static Optional<NodeId> pointed(StoredValue value, String nameplate) {
    if (!value.hasMutable() || !value.getMutable().getSalt().equals(ByteString.copyFrom(SALT))
        || !value.getMutable().getPublicKey().equals(ByteString.copyFrom(nameplateKey(nameplate).publicKey()))
        || value.getMutable().getValue().size() != NodeId.BYTES) {
      return Optional.empty();
    }
    return Optional.of(NodeId.of(value.getMutable().getValue().toByteArray()));
  }

  private Answer refuse(Refusal r) {
    refused.merge(r, 1L, Long::sum);
    String text = switch (r) {
      case UNKNOWN -> "no invite has that code";
      case IN_USE -> "that code is being used already; it is burnt";
      case EXPIRED -> "that code expired";
      case WRONG_CODE -> "wrong code; it is burnt: ask for a new one";
      case MALFORMED -> "not a code exchange; the code is burnt";
    };
    return new Answer(CodeAnswer.newBuilder().setOk(false).setRefusal(text).build(), Optional.empty(), "");
  }
}
