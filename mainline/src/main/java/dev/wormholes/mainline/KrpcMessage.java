package dev.wormholes.mainline;

import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * A KRPC message (BEP 5): a query, a response or an error, each with its transaction id {@code t}.
 * {@link Krpc} decodes and encodes them.
 */
public sealed interface KrpcMessage {
  /** Return the transaction id. */
  byte[] txid();

  /**
   * A query {@code y = "q"}.
   *
   * @param method {@code q}: ping, find_node, get_peers, announce_peer, get, put, or unknown text
   * @param args {@code a}
   * @param readOnly BEP 43 {@code ro = 1}: the sender answers no queries
   */
  record Query(byte[] txid, String method, Bencode.Dict args, boolean readOnly) implements KrpcMessage {
    /** Return the sender's claimed 20-byte id, or null if missing or malformed. */
    public byte[] senderId() {
      byte[] id = args.bytes("id");
      return id != null && id.length == MainlineIds.ID_BYTES ? id : null;
    }
  }

  /**
   * A response {@code y = "r"}.
   *
   * @param body {@code r}
   * @param observed BEP 42's top-level {@code ip}: our address as the responder saw it, or null
   */
  record Response(byte[] txid, Bencode.Dict body, InetSocketAddress observed) implements KrpcMessage {
    /** Return the responder's claimed 20-byte id, or null if missing or malformed. */
    public byte[] senderId() {
      byte[] id = body.bytes("id");
      return id != null && id.length == MainlineIds.ID_BYTES ? id : null;
    }
  }

  /** An error {@code y = "e"}: {@code e = [code, message]}. */
  record Error(byte[] txid, long code, String message) implements KrpcMessage {
    @Override
    public String toString() {
      return "Error[" + code + " " + message + ", t=" + Arrays.toString(txid) + "]";
    }
  }
}
