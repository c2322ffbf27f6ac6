package dev.wormholes.onion.handshake;

import java.util.ArrayList;
import java.util.List;

/**
 * The extension list carried encrypted in ntor-v3's client and server messages (tor-spec
 * "ntor-v3 extensions"): {@code N_EXTENSIONS (1) | N x (TYPE (1) | LEN (1) | BODY (LEN))}.
 * Types are an open set: unknown ones decode and are kept, for the caller to ignore.
 */
public final class Extensions {
  /** Client asks for congestion control (tor-spec CC_FIELD_REQUEST, empty body). */
  public static final int CC_REQUEST = 1;
  /** Server accepts congestion control; body is sendme_inc (tor-spec CC_FIELD_RESPONSE). */
  public static final int CC_RESPONSE = 2;
  /** Relay crypto the sender asks for or grants; body is one {@code RELAY_CRYPTO_*} byte. */
  public static final int RELAY_CRYPTO = 0x80;
  /** {@link #RELAY_CRYPTO} value for Counter Galois Onion with AES-128 (proposal 359). */
  public static final int RELAY_CRYPTO_CGO_AES128 = 1;
  /** Most extensions in one list (the count is one byte). */
  public static final int MAX_EXTENSIONS = 255;
  /** Most bytes in one extension body (the length is one byte). */
  public static final int MAX_BODY = 255;

  private Extensions() {}

  /**
   * One extension.
   *
   * @param type its type, 0..255
   * @param body its body, at most {@link #MAX_BODY} bytes
   */
  public record Extension(int type, byte[] body) {
    /** Check the ranges. */
    public Extension {
      if (type < 0 || type > 255 || body.length > MAX_BODY) {
        throw new IllegalArgumentException("extension type 0..255 and body <= 255 bytes");
      }
    }
  }

  /** Encode {@code list} (at most {@link #MAX_EXTENSIONS} entries). */
  public static byte[] encode(List<Extension> list) {
    if (list.size() > MAX_EXTENSIONS) {
      throw new IllegalArgumentException("at most 255 extensions");
    }
    int n = 1;
    for (Extension e : list) {
      n += 2 + e.body().length;
    }
    byte[] out = new byte[n];
    out[0] = (byte) list.size();
    int at = 1;
    for (Extension e : list) {
      out[at++] = (byte) e.type();
      out[at++] = (byte) e.body().length;
      System.arraycopy(e.body(), 0, out, at, e.body().length);
      at += e.body().length;
    }
    return out;
  }

  /** Decode a message; fail {@link HandshakeFailure#MALFORMED} if it is truncated or too long. */
  public static HandshakeResult<List<Extension>> decode(byte[] message) {
    if (message.length == 0) {
      return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
    }
    int count = message[0] & 0xff;
    List<Extension> list = new ArrayList<>(count);
    int at = 1;
    for (int i = 0; i < count; i++) {
      if (at + 2 > message.length) {
        return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
      }
      int type = message[at] & 0xff;
      int len = message[at + 1] & 0xff;
      at += 2;
      if (at + len > message.length) {
        return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
      }
      byte[] body = new byte[len];
      System.arraycopy(message, at, body, 0, len);
      list.add(new Extension(type, body));
      at += len;
    }
    if (at != message.length) {
      return new HandshakeResult.Failed<>(HandshakeFailure.MALFORMED);
    }
    return new HandshakeResult.Ok<>(List.copyOf(list));
  }

  /** Return an extension list choosing CGO relay crypto (what both ends of every layer send). */
  public static byte[] cgo() {
    return encode(List.of(new Extension(RELAY_CRYPTO, new byte[] {RELAY_CRYPTO_CGO_AES128})));
  }

  /** Return whether {@code message} is an extension list that chooses CGO relay crypto. */
  public static boolean choosesCgo(byte[] message) {
    if (!(decode(message) instanceof HandshakeResult.Ok<List<Extension>> ok)) {
      return false;
    }
    for (Extension e : ok.value()) {
      if (e.type() == RELAY_CRYPTO && e.body().length == 1 && e.body()[0] == RELAY_CRYPTO_CGO_AES128) {
        return true;
      }
    }
    return false;
  }
}
