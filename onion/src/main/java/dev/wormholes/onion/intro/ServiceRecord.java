package dev.wormholes.onion.intro;

import static dev.wormholes.onion.handshake.NtorV3.concat;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A hidden service's record of its intro points, as stored in the DHT for one period: readable
 * and findable only by those who know the service's public key.
 *
 * <p><b>Where.</b> The record is a DHT mutable item whose signing key is the <em>blinded key</em>
 * of the period, {@code Identity.fromSeed(SHA-256(BLIND_DOMAIN | service key | period))}: anyone
 * who knows the service's key derives it, and so the item's DHT key ({@code SHA-256(blinded key |
 * SALT)}); a holder sees a key and a signer that change every period and that it cannot tie to the
 * service without already knowing the service's key. <b>What.</b> The value is {@code NONCE (12) |
 * AES-256-GCM(SHA-256(ENC_DOMAIN | service key | period), NONCE, body)}, the body {@code VERSION (1)
 * = 1 | COUNT (1) | (INTRO_POINT_ID (32) | AUTH_KEY (32) | ENC_KEY (32)) x COUNT | SIG (64)}, at
 * most {@link #MAX_INTROS}, SIG the service identity's signature of the period and everything
 * before it under {@link #SIGN_DOMAIN}: the record's author is the service, whatever key signed
 * the DHT item. A reader who knows the service's key could also sign a DHT item at that place (the
 * blinded key is derived from public facts), so it could replace the record with garbage but never
 * with intro points of its choosing: {@link #open} returns empty for anything the service did not
 * sign for that period. A period is a day ({@link #period}); a service publishes for the current
 * period and, in its last hour, the next, and a client reads the current one.
 */
public final class ServiceRecord {
  /** Most intro points one record lists. */
  public static final int MAX_INTROS = 3;
  /** The DHT mutable item's salt. */
  public static final byte[] SALT = "wormholes:hs:v1".getBytes(StandardCharsets.US_ASCII);
  /** Seconds in a period. */
  public static final long PERIOD_SECONDS = 86_400;
  private static final byte[] BLIND_DOMAIN = "wormholes:hs:blind:v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ENC_DOMAIN = "wormholes:hs:enc:v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SIGN_DOMAIN = "wormholes:hs:record:v1".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int ENTRY_BYTES = 3 * 32;

  private ServiceRecord() {}

  /** Return the period of a wall-clock time in seconds since the epoch. */
  public static long period(long wallSeconds) {
    return Math.floorDiv(wallSeconds, PERIOD_SECONDS);
  }

  /** Return the blinded key pair that signs the DHT item of {@code serviceKey} for {@code period}. */
  public static Identity blinded(byte[] serviceKey, long period) {
    return Identity.fromSeed(Identity.sha256(BLIND_DOMAIN, serviceKey, longBytes(period)));
  }

  /** Return the DHT key of {@code serviceKey}'s record for {@code period}. */
  public static NodeId location(byte[] serviceKey, long period) {
    return NodeId.of(Identity.sha256(blinded(serviceKey, period).publicKey(), SALT));
  }

  /**
   * Return the DHT item value listing {@code intros} (at most {@link #MAX_INTROS}), signed by
   * {@code service} for {@code period} and encrypted with {@code nonce} (12 fresh random bytes).
   */
  public static byte[] seal(Identity service, long period, List<HiddenService.IntroKeys> intros, byte[] nonce) {
    return seal(service, service.publicKey(), period, intros, nonce);
  }

  /** Seal as {@code signer} for the service of {@code serviceKey} (a forger's record, in tests). */
  static byte[] seal(Identity signer, byte[] serviceKey, long period, List<HiddenService.IntroKeys> intros,
      byte[] nonce) {
    if (intros.size() > MAX_INTROS || nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("at most " + MAX_INTROS + " intro points and a 12-byte nonce");
    }
    ByteBuffer b = ByteBuffer.allocate(2 + ENTRY_BYTES * intros.size());
    b.put((byte) VERSION).put((byte) intros.size());
    for (HiddenService.IntroKeys k : intros) {
      b.put(k.introPoint().toBytes()).put(k.authKey()).put(k.encryptionKey());
    }
    byte[] body = b.array();
    byte[] sig = signer.sign(SIGN_DOMAIN, concat(longBytes(period), body));
    return concat(nonce, gcm(Cipher.ENCRYPT_MODE, serviceKey, period, nonce, concat(body, sig)));
  }

  /**
   * Return the intro points in a DHT item value read at {@code location(serviceKey, period)}, or
   * empty unless it decrypts and the service signed it for that period.
   */
  public static Optional<List<HiddenService.IntroKeys>> open(byte[] serviceKey, long period, byte[] value) {
    if (value.length < NONCE_BYTES + 16 || serviceKey.length != Identity.PUBLIC_KEY_BYTES) {
      return Optional.empty();
    }
    byte[] nonce = Arrays.copyOf(value, NONCE_BYTES);
    byte[] plain = gcm(Cipher.DECRYPT_MODE, serviceKey, period, nonce, Arrays.copyOfRange(value, NONCE_BYTES, value.length));
    if (plain == null || plain.length < 2 + Identity.SIGNATURE_BYTES || plain[0] != VERSION) {
      return Optional.empty();
    }
    int count = plain[1] & 0xff;
    int bodyBytes = 2 + ENTRY_BYTES * count;
    if (count > MAX_INTROS || plain.length != bodyBytes + Identity.SIGNATURE_BYTES) {
      return Optional.empty();
    }
    byte[] body = Arrays.copyOf(plain, bodyBytes);
    if (!Identity.verify(serviceKey, SIGN_DOMAIN, concat(longBytes(period), body),
        Arrays.copyOfRange(plain, bodyBytes, plain.length))) {
      return Optional.empty();
    }
    List<HiddenService.IntroKeys> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int at = 2 + i * ENTRY_BYTES;
      out.add(new HiddenService.IntroKeys(NodeId.of(Arrays.copyOfRange(body, at, at + 32)),
          Arrays.copyOfRange(body, at + 32, at + 64), Arrays.copyOfRange(body, at + 64, at + 96)));
    }
    return Optional.of(out);
  }

  private static byte[] gcm(int mode, byte[] serviceKey, long period, byte[] nonce, byte[] data) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, new SecretKeySpec(Identity.sha256(ENC_DOMAIN, serviceKey, longBytes(period)), "AES"),
          new GCMParameterSpec(128, nonce));
      return c.doFinal(data);
    } catch (GeneralSecurityException e) {
      return null; // a forged or damaged value does not authenticate
    }
  }

  private static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }
}
