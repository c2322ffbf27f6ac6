package dev.wormholes.onion.handshake;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * The ntor-v3 circuit handshake of Tor proposal 332 (tor-spec "The ntor-v3 handshake"), with
 * PROTOID {@value #PROTOID}: X25519, SHA3-256 as H and MAC, SHAKE-256 as KDF, AES-256-CTR with a
 * zero IV as ENC.
 *
 * <p>The ID field is 32 bytes, in Tor the relay's Ed25519 identity key; here it is the node's
 * Ed25519 identity key ({@code Identity.publicKey()}, whose SHA-256 is the node id), so the
 * handshake binds the onion key B to the identity the client meant. The client message and the
 * server message are encrypted (not forward-secret for the client's) and carry {@link Extensions}.
 *
 * <p>Pure functions: every X25519 secret is handed in (32 bytes from the caller's generator).
 * Client: {@link #clientStart} then {@link #clientFinish}. Server: {@link #serverAccept} (decrypts
 * the client message so the caller can decide its reply), then {@link #serverReply}. Both ends
 * then read circuit keys from the same {@link KeyStream}.
 */
public final class NtorV3 {
  /** The protocol identifier hashed into every step. */
  public static final String PROTOID = "ntor3-curve25519-sha3_256-1";
  /** Bytes in the ID field (an Ed25519 public key). */
  public static final int ID_BYTES = 32;
  /** Bytes in an X25519 key. */
  public static final int KEY_BYTES = 32;
  /** Bytes in a MAC or AUTH value. */
  public static final int MAC_BYTES = 32;
  /** Bytes an onionskin adds to the client message: ID, B, X and the MAC. */
  public static final int ONIONSKIN_OVERHEAD = ID_BYTES + 2 * KEY_BYTES + MAC_BYTES;
  /** Bytes a reply adds to the server message: Y and AUTH. */
  public static final int REPLY_OVERHEAD = KEY_BYTES + MAC_BYTES;

  private static final byte[] PROTOID_BYTES = PROTOID.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] T_MSGKDF = tweak("kdf_phase1");
  private static final byte[] T_MSGMAC = tweak("msg_mac");
  private static final byte[] T_KEY_SEED = tweak("key_seed");
  private static final byte[] T_VERIFY = tweak("verify");
  private static final byte[] T_FINAL = tweak("kdf_final");
  private static final byte[] T_AUTH = tweak("auth_final");
  private static final byte[] SERVER = "Server".getBytes(StandardCharsets.US_ASCII);

  private NtorV3() {}

  /**
   * A relay's public keys as the client knows them from its signed presence record.
   *
   * @param id the relay's Ed25519 identity key, 32 bytes
   * @param onionKey the relay's X25519 onion key B, 32 bytes
   */
  public record RelayKeys(byte[] id, byte[] onionKey) {}

  /**
   * An X25519 onion key pair of a relay.
   *
   * @param secret the 32-byte scalar b
   * @param publicKey B = b * G
   */
  public record OnionKeyPair(byte[] secret, byte[] publicKey) {
    /** Return the key pair of the 32-byte scalar {@code secret}. */
    public static OnionKeyPair of(byte[] secret) {
      return new OnionKeyPair(secret.clone(), NtorV3.publicKey(secret));
    }
  }

  /** Return the X25519 public key of a 32-byte scalar. */
  public static byte[] publicKey(byte[] secret) {
    byte[] pub = new byte[KEY_BYTES];
    X25519.generatePublicKey(secret, 0, pub, 0);
    return pub;
  }

  /** What the client keeps between sending its onionskin and reading the reply. */
  public static final class ClientState {
    private final RelayKeys relay;
    private final byte[] x;
    private final byte[] pubX;
    private final byte[] bx;
    private final byte[] msgMac;

    private ClientState(RelayKeys relay, byte[] x, byte[] pubX, byte[] bx, byte[] msgMac) {
      this.relay = relay;
      this.x = x;
      this.pubX = pubX;
      this.bx = bx;
      this.msgMac = msgMac;
    }
  }

  /**
   * The client's first step.
   *
   * @param state what {@link #clientFinish} needs
   * @param onionskin ID | B | X | ENC(CM) | MAC, to send to the relay
   */
  public record ClientStart(ClientState state, byte[] onionskin) {}

  /**
   * A completed handshake at the client.
   *
   * @param serverMessage the decrypted server message SM
   * @param keys the circuit key stream, identical to the server's
   */
  public record ClientDone(byte[] serverMessage, KeyStream keys) {}

  /** What the server keeps between {@link #serverAccept} and {@link #serverReply}. */
  public static final class ServerState {
    private final byte[] id;
    private final byte[] pubB;
    private final byte[] pubX;
    private final byte[] xb;
    private final byte[] msgMac;

    private ServerState(byte[] id, byte[] pubB, byte[] pubX, byte[] xb, byte[] msgMac) {
      this.id = id;
      this.pubB = pubB;
      this.pubX = pubX;
      this.xb = xb;
      this.msgMac = msgMac;
    }
  }

  /**
   * A verified onionskin at the server.
   *
   * @param clientMessage the decrypted client message CM
   * @param state what {@link #serverReply} needs
   */
  public record ServerAccept(byte[] clientMessage, ServerState state) {}

  /**
   * The server's reply.
   *
   * @param reply Y | AUTH | ENC(SM), to send back to the client
   * @param keys the circuit key stream, identical to the client's
   */
  public record ServerReply(byte[] reply, KeyStream keys) {}

  /**
   * Build the client's onionskin for {@code relay}: fail {@link HandshakeFailure#NON_CONTRIBUTORY}
   * if the relay's onion key is a small-order point.
   *
   * @param x the client's ephemeral X25519 scalar, 32 fresh random bytes
   * @param verification the context string both sides must agree on
   * @param message the client message CM (encoded {@link Extensions})
   */
  public static HandshakeResult<ClientStart> clientStart(
      RelayKeys relay, byte[] x, byte[] verification, byte[] message) {
    if (relay.id().length != ID_BYTES || relay.onionKey().length != KEY_BYTES || x.length != KEY_BYTES) {
      return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
    }
    byte[] pubX = publicKey(x);
    byte[] bx = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(x, 0, relay.onionKey(), 0, bx, 0)) {
      return new HandshakeResult.Failed<>(HandshakeFailure.NON_CONTRIBUTORY);
    }
    byte[][] k = phase1Keys(bx, relay.id(), pubX, relay.onionKey(), verification);
    byte[] encrypted = aes256Ctr(k[0], message);
    byte[] mac = msgMac(k[1], relay.id(), relay.onionKey(), pubX, encrypted);
    byte[] onionskin = concat(relay.id(), relay.onionKey(), pubX, encrypted, mac);
    return new HandshakeResult.Ok<>(
        new ClientStart(new ClientState(relay, x.clone(), pubX, bx, mac), onionskin));
  }

  /**
   * Verify the relay's reply and derive the circuit keys: fail {@link HandshakeFailure#BAD_AUTH}
   * unless the reply came from the holder of B for this very onionskin.
   */
  public static HandshakeResult<ClientDone> clientFinish(
      ClientState state, byte[] reply, byte[] verification) {
    if (reply.length < REPLY_OVERHEAD) {
      return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
    }
    byte[] pubY = Arrays.copyOfRange(reply, 0, KEY_BYTES);
    byte[] auth = Arrays.copyOfRange(reply, KEY_BYTES, REPLY_OVERHEAD);
    byte[] encrypted = Arrays.copyOfRange(reply, REPLY_OVERHEAD, reply.length);
    byte[] yx = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(state.x, 0, pubY, 0, yx, 0)) {
      return new HandshakeResult.Failed<>(HandshakeFailure.NON_CONTRIBUTORY);
    }
    byte[] secretInput = concat(yx, state.bx, state.relay.id(), state.relay.onionKey(), state.pubX,
        pubY, PROTOID_BYTES, encap(verification));
    byte[] expected = auth(hash(T_VERIFY, secretInput), state.relay.id(), state.relay.onionKey(),
        pubY, state.pubX, state.msgMac, encrypted);
    if (!MessageDigest.isEqual(expected, auth)) {
      return new HandshakeResult.Failed<>(HandshakeFailure.BAD_AUTH);
    }
    KeyStream keys = KeyStream.of(hash(T_KEY_SEED, secretInput));
    byte[] serverMessage = aes256Ctr(keys.take(32), encrypted);
    return new HandshakeResult.Ok<>(new ClientDone(serverMessage, keys));
  }

  /**
   * Check an onionskin addressed to this relay and decrypt its client message.
   *
   * @param id this relay's Ed25519 identity key
   * @param onionKeys this relay's current onion key pairs (the current one and, during an
   *     overlap, the previous one)
   * @param onionskin the client's bytes
   * @param verification the context string both sides must agree on
   */
  public static HandshakeResult<ServerAccept> serverAccept(
      byte[] id, List<OnionKeyPair> onionKeys, byte[] onionskin, byte[] verification) {
    if (onionskin.length < ONIONSKIN_OVERHEAD) {
      return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
    }
    byte[] gotId = Arrays.copyOfRange(onionskin, 0, ID_BYTES);
    byte[] gotB = Arrays.copyOfRange(onionskin, ID_BYTES, ID_BYTES + KEY_BYTES);
    byte[] pubX = Arrays.copyOfRange(onionskin, ID_BYTES + KEY_BYTES, ID_BYTES + 2 * KEY_BYTES);
    int macAt = onionskin.length - MAC_BYTES;
    byte[] encrypted = Arrays.copyOfRange(onionskin, ID_BYTES + 2 * KEY_BYTES, macAt);
    byte[] mac = Arrays.copyOfRange(onionskin, macAt, onionskin.length);
    OnionKeyPair pair = null;
    for (OnionKeyPair candidate : onionKeys) {
      boolean match = MessageDigest.isEqual(id, gotId) & MessageDigest.isEqual(candidate.publicKey(), gotB);
      if (match) {
        pair = candidate;
      }
    }
    if (pair == null) {
      return new HandshakeResult.Failed<>(HandshakeFailure.UNKNOWN_KEY);
    }
    byte[] xb = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(pair.secret(), 0, pubX, 0, xb, 0)) {
      return new HandshakeResult.Failed<>(HandshakeFailure.NON_CONTRIBUTORY);
    }
    byte[][] k = phase1Keys(xb, gotId, pubX, gotB, verification);
    if (!MessageDigest.isEqual(msgMac(k[1], gotId, gotB, pubX, encrypted), mac)) {
      return new HandshakeResult.Failed<>(HandshakeFailure.BAD_MAC);
    }
    byte[] clientMessage = aes256Ctr(k[0], encrypted);
    return new HandshakeResult.Ok<>(
        new ServerAccept(clientMessage, new ServerState(gotId, gotB, pubX, xb, mac)));
  }

  /**
   * Answer an accepted onionskin.
   *
   * @param y the server's ephemeral X25519 scalar, 32 fresh random bytes
   * @param message the server message SM (encoded {@link Extensions})
   * @param verification the context string both sides must agree on
   */
  public static HandshakeResult<ServerReply> serverReply(
      ServerState state, byte[] y, byte[] message, byte[] verification) {
    if (y.length != KEY_BYTES) {
      return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
    }
    byte[] pubY = publicKey(y);
    byte[] xy = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(y, 0, state.pubX, 0, xy, 0)) {
      return new HandshakeResult.Failed<>(HandshakeFailure.NON_CONTRIBUTORY);
    }
    byte[] secretInput = concat(xy, state.xb, state.id, state.pubB, state.pubX, pubY,
        PROTOID_BYTES, encap(verification));
    KeyStream keys = KeyStream.of(hash(T_KEY_SEED, secretInput));
    byte[] encrypted = aes256Ctr(keys.take(32), message);
    byte[] auth = auth(hash(T_VERIFY, secretInput), state.id, state.pubB, pubY, state.pubX,
        state.msgMac, encrypted);
    return new HandshakeResult.Ok<>(new ServerReply(concat(pubY, auth, encrypted), keys));
  }

  /**
   * The handshake's output key stream, SHAKE-256 over {@code ENCAP(t_final) | ntor_key_seed}
   * after the 32 bytes that encrypted the server message. Read circuit keys in order with
   * {@link #take}.
   */
  public static final class KeyStream {
    private final SHAKEDigest xof;

    private KeyStream(SHAKEDigest xof) {
      this.xof = xof;
    }

    private static KeyStream of(byte[] keySeed) {
      SHAKEDigest xof = new SHAKEDigest(256);
      xof.update(T_FINAL, 0, T_FINAL.length);
      xof.update(keySeed, 0, keySeed.length);
      return new KeyStream(xof);
    }

    /** Return the next {@code n} bytes of the stream. */
    public byte[] take(int n) {
      byte[] out = new byte[n];
      xof.doOutput(out, 0, n);
      return out;
    }
  }

  // KDF(xb | ID | X | B | PROTOID | ENCAP(VER), t_msgkdf) -> ENC_K1 (32), MAC_K1 (32).
  private static byte[][] phase1Keys(byte[] xb, byte[] id, byte[] pubX, byte[] pubB, byte[] ver) {
    SHAKEDigest kdf = new SHAKEDigest(256);
    for (byte[] part : new byte[][] {T_MSGKDF, xb, id, pubX, pubB, PROTOID_BYTES, encap(ver)}) {
      kdf.update(part, 0, part.length);
    }
    byte[] enc = new byte[32];
    byte[] mac = new byte[32];
    kdf.doOutput(enc, 0, 32);
    kdf.doOutput(mac, 0, 32);
    return new byte[][] {enc, mac};
  }

  // MAC(MAC_K1, ID | B | X | encrypted_msg, t_msgmac).
  private static byte[] msgMac(byte[] macKey, byte[] id, byte[] pubB, byte[] pubX, byte[] enc) {
    return sha3(T_MSGMAC, encap(macKey), id, pubB, pubX, enc);
  }

  // H(verify | ID | B | Y | X | MAC | ENCAP(encrypted_msg) | PROTOID | "Server", t_auth).
  private static byte[] auth(byte[] verify, byte[] id, byte[] pubB, byte[] pubY, byte[] pubX,
      byte[] msgMac, byte[] encrypted) {
    return sha3(T_AUTH, verify, id, pubB, pubY, pubX, msgMac, encap(encrypted), PROTOID_BYTES, SERVER);
  }

  // H(s, t) = SHA3-256(ENCAP(t) | s).
  private static byte[] hash(byte[] encapTweak, byte[] s) {
    return sha3(encapTweak, s);
  }

  private static byte[] sha3(byte[]... parts) {
    SHA3Digest d = new SHA3Digest(256);
    for (byte[] p : parts) {
      d.update(p, 0, p.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }

  private static byte[] aes256Ctr(byte[] key, byte[] data) {
    try {
      Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
      return c.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides AES/CTR/NoPadding", e);
    }
  }

  // ENCAP(s) = htonll(len(s)) | s.
  private static byte[] encap(byte[] s) {
    byte[] out = new byte[8 + s.length];
    long len = s.length;
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (len >>> (56 - 8 * i));
    }
    System.arraycopy(s, 0, out, 8, s.length);
    return out;
  }

  private static byte[] tweak(String suffix) {
    return encap((PROTOID + ":" + suffix).getBytes(StandardCharsets.US_ASCII));
  }

  /** Return {@code parts} one after the other. */
  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
