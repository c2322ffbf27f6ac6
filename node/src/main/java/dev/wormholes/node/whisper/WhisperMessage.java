package dev.wormholes.node.whisper;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One whisper on the wire, signed by the sending device's identity key:
 *
 * <pre>
 * version (1 byte, 1) | sender public key (32) | recipient node or persona id (32) | seq (8) | sent at, Unix ms (8)
 * | text length (2) | text (UTF-8, 1..{@value #MAX_TEXT_BYTES} bytes)
 * | Ed25519 signature (64) over "wormholes-whisper-v1" || everything before it
 * </pre>
 *
 * <p>The recipient is a node id or a persona id (a whisper to a person, taken by whichever of the
 * persona's devices answers), so a whisper cannot be replayed to another node or person; its id ({@link #id()}) is the first 16 bytes of SHA-256 of the whole message, in hex.
 *
 * @param senderKey the sending device's Ed25519 public key
 * @param recipient the node or persona the whisper is addressed to
 * @param seq the sender's sequence number (one counter per sending node)
 * @param sentAtMs when it was written, Unix milliseconds (the sender's clock)
 * @param text the message
 * @param encoded the whole signed message
 */
public record WhisperMessage(byte[] senderKey, NodeId recipient, long seq, long sentAtMs, String text, byte[] encoded) {
  /** Largest text, in UTF-8 bytes. */
  public static final int MAX_TEXT_BYTES = 1024;
  /** Largest encoded message. */
  public static final int MAX_BYTES = 1 + 32 + 32 + 8 + 8 + 2 + MAX_TEXT_BYTES + Identity.SIGNATURE_BYTES;
  static final byte VERSION = 1;
  private static final byte[] DOMAIN = "wormholes-whisper-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = 1 + 32 + 32 + 8 + 8 + 2;

  /** Why a message was not taken. */
  public enum Failure {
    /** Shorter than a header and signature, longer than {@link #MAX_BYTES}, or its length field disagrees. */
    MALFORMED,
    /** An unknown version. */
    VERSION,
    /** The text is empty or not UTF-8. */
    BAD_TEXT,
    /** The signature does not verify with the sender key. */
    BAD_SIGNATURE
  }

  /** A decoding: a message or a failure. */
  public sealed interface Decoded {}

  /** A well-formed, well-signed message. */
  public record Ok(WhisperMessage message) implements Decoded {}

  /** A refused one. */
  public record Bad(Failure failure) implements Decoded {}

  /** Return {@code text} to {@code recipient} as sequence {@code seq}, signed by {@code sender}; throw if the text is empty or too long. */
  public static WhisperMessage sign(Identity sender, NodeId recipient, long seq, long sentAtMs, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    if (t.length == 0 || t.length > MAX_TEXT_BYTES) {
      throw new IllegalArgumentException("a whisper is 1 to " + MAX_TEXT_BYTES + " bytes of text, not " + t.length);
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER + t.length);
    b.put(VERSION).put(sender.publicKey()).put(recipient.toBytes()).putLong(seq).putLong(sentAtMs)
        .putShort((short) t.length).put(t);
    byte[] body = b.array();
    byte[] sig = sender.sign(DOMAIN, body);
    byte[] all = Arrays.copyOf(body, body.length + sig.length);
    System.arraycopy(sig, 0, all, body.length, sig.length);
    return new WhisperMessage(sender.publicKey(), recipient, seq, sentAtMs, text, all);
  }

  /** Decode and check {@code bytes} (any bytes: a typed failure, never an exception). */
  public static Decoded decode(byte[] bytes) {
    if (bytes.length < HEADER + 1 + Identity.SIGNATURE_BYTES || bytes.length > MAX_BYTES) {
      return new Bad(Failure.MALFORMED);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.get() != VERSION) {
      return new Bad(Failure.VERSION);
    }
    byte[] key = new byte[32];
    b.get(key);
    byte[] to = new byte[32];
    b.get(to);
    long seq = b.getLong();
    long sentAt = b.getLong();
    int n = Short.toUnsignedInt(b.getShort());
    if (n == 0 || n > MAX_TEXT_BYTES || bytes.length != HEADER + n + Identity.SIGNATURE_BYTES) {
      return new Bad(n == 0 ? Failure.BAD_TEXT : Failure.MALFORMED);
    }
    byte[] t = new byte[n];
    b.get(t);
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(t)).toString();
    } catch (CharacterCodingException e) {
      return new Bad(Failure.BAD_TEXT);
    }
    byte[] sig = Arrays.copyOfRange(bytes, HEADER + n, bytes.length);
    if (!Identity.verify(key, DOMAIN, Arrays.copyOf(bytes, HEADER + n), sig)) {
      return new Bad(Failure.BAD_SIGNATURE);
    }
    return new Ok(new WhisperMessage(key, NodeId.of(to), seq, sentAt, text, bytes.clone()));
  }

  /** Return the sending node's id. */
  public NodeId sender() {
    return Identity.idOf(senderKey);
  }

  /** Return the message id: 16 bytes of SHA-256 of the encoded message, in hex. */
  public String id() {
    return com.google.common.io.BaseEncoding.base16().lowerCase().encode(Arrays.copyOf(Identity.sha256(encoded), 16));
  }
}
