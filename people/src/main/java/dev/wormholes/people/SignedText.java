package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.SignedMessage;
import dev.wormholes.proto.Identity;
import java.nio.charset.StandardCharsets;

/**
 * Messages signed by a persona, ASCII-armoured ({@link Armor}, label {@link #LABEL}): the message,
 * the signer's key log and the signature by the log's current signing key. Verifying needs nothing
 * else; whether the signer is who the reader thinks is for the reader's contacts to say (the caller
 * checks the log against a pinned one with {@link Tofu}).
 */
public final class SignedText {
  /** The armour label. */
  public static final String LABEL = "WORMHOLES SIGNED MESSAGE";
  /** Most message bytes. */
  public static final int MAX_MESSAGE = 1 << 20;
  /** Most characters of an armoured text. */
  public static final int MAX_ARMORED = 2 * MAX_MESSAGE;

  static final byte[] DOMAIN = "wormholes-persona-sign-v1".getBytes(StandardCharsets.US_ASCII);

  private SignedText() {}

  /** Why a signed text was refused. */
  public enum Failure {
    /** No armoured block, or not base64. */
    NOT_ARMORED,
    /** Over {@link #MAX_ARMORED} characters or {@link #MAX_MESSAGE} bytes. */
    TOO_LARGE,
    /** The block is not a signed message. */
    MALFORMED,
    /** The signer's key log does not verify. */
    BAD_LOG,
    /** The signature is not the log's current signing key's. */
    BAD_SIGNATURE
  }

  /** The outcome of a verification. */
  public sealed interface Result {
    /** A good signature over {@code message} by the persona of {@code log}. */
    record Valid(byte[] message, KeyLog log) implements Result {}

    /** Refused. */
    record Invalid(Failure failure) implements Result {}
  }

  /** Return {@code message} signed by {@code signer}, the current signing key of {@code log}, armoured. */
  public static String sign(byte[] message, Identity signer, KeyLog log) {
    if (message.length > MAX_MESSAGE) {
      throw new IllegalArgumentException("a signed message is at most " + MAX_MESSAGE + " bytes");
    }
    SignedMessage m = SignedMessage.newBuilder()
        .setMessage(ByteString.copyFrom(message))
        .setLog(ContactCodec.wire(log))
        .setSignature(ByteString.copyFrom(signer.sign(DOMAIN, message)))
        .build();
    return Armor.encode(LABEL, m.toByteArray());
  }

  /** Verify an armoured signed message (peer input: never throws). */
  public static Result verify(String armored) {
    if (armored.length() > MAX_ARMORED) {
      return new Result.Invalid(Failure.TOO_LARGE);
    }
    byte[] bytes = Armor.decode(LABEL, armored).orElse(null);
    if (bytes == null) {
      return new Result.Invalid(Failure.NOT_ARMORED);
    }
    SignedMessage m;
    try {
      m = SignedMessage.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return new Result.Invalid(Failure.MALFORMED);
    }
    if (m.getMessage().size() > MAX_MESSAGE) {
      return new Result.Invalid(Failure.TOO_LARGE);
    }
    if (!(KeyLog.decode(m.getLog().toByteArray()) instanceof LogResult.Valid v)) {
      return new Result.Invalid(Failure.BAD_LOG);
    }
    byte[] message = m.getMessage().toByteArray();
    if (v.log().state().abandoned()
        || !Identity.verify(v.log().state().signingKey(), DOMAIN, message, m.getSignature().toByteArray())) {
      return new Result.Invalid(Failure.BAD_SIGNATURE);
    }
    return new Result.Valid(message, v.log());
  }
}
