package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.SealedMessage;
import dev.wormholes.proto.Identity;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Messages encrypted to a persona, ASCII-armoured ({@link Armor}, label {@link #LABEL}): what is
 * sealed to which key, and the keys. A persona's encryption key is the X25519 form of its log's
 * current Ed25519 signing key (the birational map of RFC 7748 section 4.1, as libsodium's
 * {@code crypto_sign_ed25519_pk_to_curve25519}), so a rotation or an abandon revokes it with the
 * signing key and no second key needs a log of its own. The HPKE sealing itself (randomised, so it
 * is done by the caller with Tink) uses {@link #info} as its context. The sender is anonymous: a
 * reader who must know who wrote sends a signed text inside.
 */
public final class SealedText {
  /** The armour label. */
  public static final String LABEL = "WORMHOLES ENCRYPTED MESSAGE";
  /** Most message bytes. */
  public static final int MAX_MESSAGE = 1 << 20;
  /** Most characters of an armoured text. */
  public static final int MAX_ARMORED = 2 * MAX_MESSAGE;

  private static final byte[] DOMAIN = "wormholes-persona-seal-v1".getBytes(StandardCharsets.US_ASCII);
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

  private SealedText() {}

  /** Why an armoured text is not a sealed message. */
  public enum Failure {
    /** No armoured block, or not base64. */
    NOT_ARMORED,
    /** Over {@link #MAX_ARMORED} characters. */
    TOO_LARGE,
    /** The block is not a sealed message. */
    MALFORMED
  }

  /** Why a message cannot be sealed to a persona, or opened by this one. */
  public enum Refusal {
    /** The persona was abandoned: its keys are revoked. */
    ABANDONED,
    /** The sealed message names another persona. */
    NOT_FOR_YOU,
    /** Sealed to a key of this persona that is no longer current (rotated away): the sender held an old log. */
    OLD_KEY,
    /** This device does not hold the persona's current key (it was rotated on another device). */
    KEY_NOT_HERE
  }

  /** A parsed armoured text. */
  public sealed interface Parsed {
    /** A sealed message to {@code persona}'s key {@code signingKey}. */
    record Sealed(PersonaId persona, byte[] signingKey, byte[] sealed) implements Parsed {}

    /** Not one. */
    record Invalid(Failure failure) implements Parsed {}
  }

  /** Return why nothing may be sealed to the persona of {@code log}, or empty if it may. */
  public static Optional<Refusal> refusalToSeal(KeyLog log) {
    return log.state().abandoned() ? Optional.of(Refusal.ABANDONED) : Optional.empty();
  }

  /**
   * Return why the persona whose log is {@code mine}, holding {@code heldKey} (the Ed25519 public key
   * this device signs with), cannot open {@code s}, or empty if it can.
   */
  public static Optional<Refusal> refusalToOpen(Parsed.Sealed s, KeyLog mine, byte[] heldKey) {
    if (!s.persona().equals(mine.state().persona())) {
      return Optional.of(Refusal.NOT_FOR_YOU);
    }
    if (mine.state().abandoned()) {
      return Optional.of(Refusal.ABANDONED);
    }
    if (!Arrays.equals(s.signingKey(), mine.state().signingKey())) {
      return Optional.of(Refusal.OLD_KEY);
    }
    return Arrays.equals(heldKey, mine.state().signingKey()) ? Optional.empty() : Optional.of(Refusal.KEY_NOT_HERE);
  }

  /** Return the HPKE context info binding a sealed message to {@code persona} and its key {@code signingKey}. */
  public static byte[] info(PersonaId persona, byte[] signingKey) {
    byte[] id = persona.toBytes();
    byte[] out = Arrays.copyOf(DOMAIN, DOMAIN.length + id.length + signingKey.length);
    System.arraycopy(id, 0, out, DOMAIN.length, id.length);
    System.arraycopy(signingKey, 0, out, DOMAIN.length + id.length, signingKey.length);
    return out;
  }

  /**
   * Return the X25519 public key (little-endian u) of the Ed25519 public key {@code ed25519}, or
   * empty if it is not 32 bytes or maps to no usable point (y = 1, or y not below p).
   */
  public static Optional<byte[]> x25519Public(byte[] ed25519) {
    if (ed25519.length != Identity.PUBLIC_KEY_BYTES) {
      return Optional.empty();
    }
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = ed25519[31 - i];
    }
    be[0] &= 0x7f; // the sign of x
    BigInteger y = new BigInteger(1, be);
    if (y.compareTo(P) >= 0 || y.equals(BigInteger.ONE)) {
      return Optional.empty();
    }
    BigInteger u = BigInteger.ONE.add(y).multiply(BigInteger.ONE.subtract(y).mod(P).modInverse(P)).mod(P);
    return Optional.of(littleEndian(u));
  }

  /** Return the X25519 private key of the Ed25519 key whose seed is {@code seed} (SHA-512 of it, clamped). */
  public static byte[] x25519Private(byte[] seed) {
    byte[] h;
    try {
      h = Arrays.copyOf(MessageDigest.getInstance("SHA-512").digest(seed), 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-512", e);
    }
    h[0] &= (byte) 248;
    h[31] &= 127;
    h[31] |= 64;
    return h;
  }

  /** Return {@code sealed} (HPKE output under {@link #info}) to {@code persona}'s key {@code signingKey}, armoured. */
  public static String armor(PersonaId persona, byte[] signingKey, byte[] sealed) {
    return Armor.encode(LABEL, SealedMessage.newBuilder().setPersona(ByteString.copyFrom(persona.toBytes()))
        .setSigningKey(ByteString.copyFrom(signingKey)).setSealed(ByteString.copyFrom(sealed)).build().toByteArray());
  }

  /** Parse an armoured sealed message (peer input: never throws). */
  public static Parsed parse(String armored) {
    if (armored.length() > MAX_ARMORED) {
      return new Parsed.Invalid(Failure.TOO_LARGE);
    }
    byte[] bytes = Armor.decode(LABEL, armored).orElse(null);
    if (bytes == null) {
      return new Parsed.Invalid(Failure.NOT_ARMORED);
    }
    SealedMessage m;
    try {
      m = SealedMessage.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return new Parsed.Invalid(Failure.MALFORMED);
    }
    if (m.getPersona().size() != 32 || m.getSigningKey().size() != Identity.PUBLIC_KEY_BYTES || m.getSealed().isEmpty()) {
      return new Parsed.Invalid(Failure.MALFORMED);
    }
    return new Parsed.Sealed(PersonaId.of(m.getPersona().toByteArray()), m.getSigningKey().toByteArray(),
        m.getSealed().toByteArray());
  }

  private static byte[] littleEndian(BigInteger v) {
    byte[] be = v.toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < 32 && i < be.length; i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }
}
