package dev.wormholes.mainline;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * KRPC's wire form (BEP 5, with BEP 42's {@code ip} and BEP 43's {@code ro}): decode a datagram
 * into a {@link KrpcMessage} or a typed failure, and encode queries, responses and errors. Every
 * message this side sends carries {@code v}, a 4-byte client version ({@link #CLIENT_VERSION}).
 */
public final class Krpc {
  /** {@code v} of every message sent: "WH" and version 0.1. */
  public static final byte[] CLIENT_VERSION = {'W', 'H', 0, 1};
  /** Longest transaction id accepted in a datagram. */
  public static final int MAX_TXID = 16;
  /** BEP 5 error codes. */
  public static final int GENERIC_ERROR = 201;
  /** BEP 5: malformed packet, invalid arguments or bad token. */
  public static final int PROTOCOL_ERROR = 203;
  /** BEP 5: method unknown. */
  public static final int METHOD_UNKNOWN = 204;

  private Krpc() {}

  /** A decoded datagram or why it was refused. */
  public sealed interface Decoded {
    /** A well-formed message. */
    record Ok(KrpcMessage message) implements Decoded {}

    /** Refused: not bencode, or not KRPC. */
    record Failed(MainlineDrop reason) implements Decoded {}
  }

  /** Decode one datagram. Never throws. */
  public static Decoded decode(byte[] datagram) {
    if (!(BencodeDecoder.decode(datagram) instanceof BencodeDecoder.Result.Ok ok)) {
      return new Decoded.Failed(datagram.length > BencodeDecoder.Limits.KRPC.maxBytes()
          ? MainlineDrop.OVERSIZED : MainlineDrop.MALFORMED_BENCODE);
    }
    if (!(ok.value() instanceof Bencode.Dict d)) {
      return new Decoded.Failed(MainlineDrop.MALFORMED_KRPC);
    }
    byte[] t = d.bytes("t");
    byte[] y = d.bytes("y");
    if (t == null || t.length == 0 || t.length > MAX_TXID || y == null || y.length != 1) {
      return new Decoded.Failed(MainlineDrop.MALFORMED_KRPC);
    }
    KrpcMessage m = switch (y[0]) {
      case 'q' -> query(t, d);
      case 'r' -> response(t, d);
      case 'e' -> error(t, d);
      default -> null;
    };
    return m == null ? new Decoded.Failed(MainlineDrop.MALFORMED_KRPC) : new Decoded.Ok(m);
  }

  private static KrpcMessage query(byte[] t, Bencode.Dict d) {
    byte[] q = d.bytes("q");
    Bencode.Dict a = d.dict("a");
    if (q == null || q.length > 32 || a == null) {
      return null;
    }
    Long ro = d.integer("ro");
    return new KrpcMessage.Query(t, new String(q, StandardCharsets.ISO_8859_1), a, ro != null && ro == 1);
  }

  private static KrpcMessage response(byte[] t, Bencode.Dict d) {
    Bencode.Dict r = d.dict("r");
    if (r == null) {
      return null;
    }
    byte[] ip = d.bytes("ip");
    InetSocketAddress observed = ip != null && ip.length == Compact.PEER_BYTES ? Compact.peer(ip, 0) : null;
    return new KrpcMessage.Response(t, r, observed);
  }

  private static KrpcMessage error(byte[] t, Bencode.Dict d) {
    Bencode.BList e = d.list("e");
    if (e == null || e.items().size() < 2 || !(e.items().get(0) instanceof Bencode.Int code)
        || !(e.items().get(1) instanceof Bencode.Bytes text)) {
      return null;
    }
    return new KrpcMessage.Error(t, code.value(), text.latin1());
  }

  /** Encode a query. */
  public static byte[] query(byte[] txid, String method, Bencode.Dict args, boolean readOnly) {
    Bencode.DictBuilder b = Bencode.dict().put("t", txid).put("y", "q").put("q", method).put("a", args)
        .put("v", CLIENT_VERSION);
    if (readOnly) {
      b.put("ro", 1);
    }
    return b.build().encode();
  }

  /** Encode a response carrying the asker's address {@code asker} as BEP 42's {@code ip}. */
  public static byte[] response(byte[] txid, Bencode.Dict body, InetSocketAddress asker) {
    return Bencode.dict().put("t", txid).put("y", "r").put("r", body).put("ip", Compact.peer(asker))
        .put("v", CLIENT_VERSION).build().encode();
  }

  /** Encode an error. */
  public static byte[] error(byte[] txid, int code, String message) {
    return Bencode.dict().put("t", txid).put("y", "e")
        .put("e", Bencode.list(List.of(Bencode.integer(code), Bencode.text(message))))
        .put("v", CLIENT_VERSION).build().encode();
  }
}
