package dev.wormholes.proto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 key pair: a node's identity. The node id is SHA-256 of the 32-byte public key.
 *
 * <p>Uses Bouncy Castle's low-level RFC 8032 implementation, the fastest verifier on hand: about 8x
 * JDK 17's and 2.3x Tink's ({@code Ed25519VerifyBenchmark}). It refuses small-order keys and
 * non-canonical encodings ({@code Rfc8032VectorsTest}). Instances are immutable; the secret seed never leaves except through
 * {@link #seed()} for storage.
 */
public final class Identity {
  /** Bytes in a public key. */
  public static final int PUBLIC_KEY_BYTES = Ed25519.PUBLIC_KEY_SIZE;
  /** Bytes in a signature. */
  public static final int SIGNATURE_BYTES = Ed25519.SIGNATURE_SIZE;
  /** Bytes in a secret seed. */
  public static final int SEED_BYTES = Ed25519.SECRET_KEY_SIZE;

  /** Decoded public keys remembered by {@link #verify} (about 250 bytes each). */
  static final int DECODED_KEY_CAPACITY = 4096;

  private static final DecodedKeys DECODED_KEYS = new DecodedKeys(DECODED_KEY_CAPACITY);

  private final byte[] seed;
  private final byte[] publicKey;
  private final NodeId id;

  private Identity(byte[] seed) {
    this.seed = seed.clone();
    this.publicKey = new byte[PUBLIC_KEY_BYTES];
    Ed25519.generatePublicKey(this.seed, 0, publicKey, 0);
    this.id = idOf(publicKey);
  }

  /** Return the identity of a 32-byte RFC 8032 secret seed. */
  public static Identity fromSeed(byte[] seed) {
    if (seed.length != SEED_BYTES) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
    }
    return new Identity(seed);
  }

  /** Return a new identity whose seed is drawn from {@code random} (a SecureRandom in node/). */
  public static Identity generate(RandomGenerator random) {
    byte[] seed = new byte[SEED_BYTES];
    random.nextBytes(seed);
    return new Identity(seed);
  }

  /** Return SHA-256 of {@code publicKey}: the node id that key owns. */
  public static NodeId idOf(byte[] publicKey) {
    return NodeId.of(sha256(publicKey));
  }

  /** Return SHA-256 of the concatenation of {@code parts}. */
  public static byte[] sha256(byte[]... parts) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** Return the signature of {@code domain || message}. */
  public byte[] sign(byte[] domain, byte[] message) {
    byte[] m = concat(domain, message);
    byte[] sig = new byte[SIGNATURE_BYTES];
    Ed25519.sign(seed, 0, publicKey, 0, m, 0, m.length, sig, 0); // with the public key: no re-derivation
    return sig;
  }

  /**
   * Return whether {@code signature} is {@code publicKey}'s signature of {@code domain ||
   * message}. Never throws on malformed input: wrong lengths simply fail. The key's decoded point
   * comes from a process-wide bounded cache ({@link DecodedKeys}, {@value #DECODED_KEY_CAPACITY}
   * keys), so a key seen recently is not decompressed again; the verdict is the same as Bouncy
   * Castle's verification from the key bytes.
   */
  public static boolean verify(byte[] publicKey, byte[] domain, byte[] message, byte[] signature) {
    if (publicKey.length != PUBLIC_KEY_BYTES || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    Ed25519.PublicPoint point = DECODED_KEYS.decode(publicKey);
    if (point == null) {
      return false; // a key Bouncy Castle's verify refuses from its bytes (DecodedKeys says which)
    }
    byte[] m = concat(domain, message);
    try {
      return Ed25519.verify(signature, 0, point, m, 0, m.length);
    } catch (RuntimeException e) {
      return false; // BC rejects some malformed points by throwing; to a peer that is just "bad".
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] m = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, m, a.length, b.length);
    return m;
  }

  /** Return the 32-byte public key. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** Return the 32-byte secret seed, for storage with 0600 permissions only. */
  public byte[] seed() {
    return seed.clone();
  }

  /** Return the node id. */
  public NodeId id() {
    return id;
  }

  @Override
  public String toString() {
    return "Identity(" + id + ")";
  }
}
