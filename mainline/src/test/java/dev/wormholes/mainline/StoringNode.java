package dev.wormholes.mainline;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test stand-in for an ordinary mainline node (BEP 5 and 44 as a storing node): answers ping,
 * find_node, get_peers (stored peers or nodes, and a token), announce_peer (token checked), get
 * and put (signature, size and seq checked; errors 203, 205, 206, 302 as BEP 44 says). Written
 * from the BEPs for the engine's unit tests; the tests against a real implementation use
 * libtorrent (node's MainlineLibtorrentTest).
 */
final class StoringNode {
  final byte[] id;
  private final Map<String, InetSocketAddress> known = new HashMap<>();
  private final Map<String, List<byte[]>> peers = new HashMap<>();
  final Map<String, MutableItem> items = new HashMap<>();
  int queries;
  /** When set, every get answer carries this item instead of the stored one (a forging node). */
  MutableItem forged;

  StoringNode(byte[] id) {
    this.id = id.clone();
  }

  void know(byte[] nodeId, InetSocketAddress at) {
    known.put(key(nodeId), at);
  }

  private static String key(byte[] b) {
    return Arrays.toString(b);
  }

  private byte[] token(InetSocketAddress from) {
    return Arrays.copyOf(MainlineIds.sha1(id, from.getAddress().getAddress()), 4);
  }

  private byte[] nodes(byte[] target) {
    List<Compact.Node> all = new ArrayList<>();
    known.forEach((k, a) -> all.add(new Compact.Node(parse(k), a)));
    all.sort((x, y) -> MainlineIds.compareDistance(target, x.id(), y.id()));
    return Compact.nodes(all.subList(0, Math.min(8, all.size())));
  }

  private static byte[] parse(String k) {
    String[] parts = k.substring(1, k.length() - 1).split(", ");
    byte[] b = new byte[parts.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = Byte.parseByte(parts[i]);
    }
    return b;
  }

  byte[] handle(InetSocketAddress from, byte[] datagram) {
    if (!(Krpc.decode(datagram) instanceof Krpc.Decoded.Ok ok) || !(ok.message() instanceof KrpcMessage.Query q)) {
      return null;
    }
    queries++;
    if (!q.readOnly() && q.senderId() != null) {
      know(q.senderId(), from);
    }
    Bencode.Dict a = q.args();
    Bencode.DictBuilder r = Bencode.dict().put("id", id);
    switch (q.method()) {
      case "ping" -> { }
      case "find_node" -> r.put("nodes", nodes(a.bytes("target")));
      case "get_peers" -> {
        List<byte[]> ps = peers.get(key(a.bytes("info_hash")));
        r.put("token", token(from)).put("nodes", nodes(a.bytes("info_hash")));
        if (ps != null) {
          r.put("values", Bencode.list(ps.stream().map(Bencode::bytes).toList()));
        }
      }
      case "announce_peer" -> {
        if (!Arrays.equals(a.bytes("token"), token(from))) {
          return Krpc.error(q.txid(), 203, "bad token");
        }
        byte[] p = Compact.peer(new InetSocketAddress(from.getAddress(), a.integer("port").intValue()));
        peers.computeIfAbsent(key(a.bytes("info_hash")), x -> new ArrayList<>()).add(p);
      }
      case "get" -> {
        MutableItem it = forged != null ? forged : items.get(key(a.bytes("target")));
        r.put("token", token(from)).put("nodes", nodes(a.bytes("target")));
        if (it != null) {
          r.put("k", it.publicKey()).put("seq", it.seq()).put("sig", it.signature())
              .put("v", ((BencodeDecoder.Result.Ok) BencodeDecoder.decode(it.value(), new BencodeDecoder.Limits(4000, 8, 512))).value());
        }
      }
      case "put" -> {
        if (!Arrays.equals(a.bytes("token"), token(from))) {
          return Krpc.error(q.txid(), 203, "bad token");
        }
        byte[] salt = a.bytes("salt") == null ? new byte[0] : a.bytes("salt");
        MutableItem it = new MutableItem(a.bytes("k"), salt, a.integer("seq"), a.get("v").encode(), a.bytes("sig"));
        if (it.value().length > MutableItem.MAX_VALUE) {
          return Krpc.error(q.txid(), 205, "message too big");
        }
        if (!it.verify()) {
          return Krpc.error(q.txid(), 206, "invalid signature");
        }
        MutableItem old = items.get(key(it.target()));
        if (old != null && old.seq() > it.seq()) {
          return Krpc.error(q.txid(), 302, "sequence number less than current");
        }
        items.put(key(it.target()), it);
      }
      default -> {
        return Krpc.error(q.txid(), 204, "method unknown");
      }
    }
    return Krpc.response(q.txid(), r.build(), from);
  }
}
