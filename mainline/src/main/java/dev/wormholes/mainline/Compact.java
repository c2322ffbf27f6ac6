package dev.wormholes.mainline;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * BEP 5's compact forms, IPv4 only: a peer is 4 bytes of address and 2 of port (big endian); a
 * node is its 20-byte id followed by a compact peer (26 bytes).
 */
public final class Compact {
  /** Bytes in a compact IPv4 peer. */
  public static final int PEER_BYTES = 6;
  /** Bytes in a compact IPv4 node. */
  public static final int NODE_BYTES = 26;

  private Compact() {}

  /** A node id and the address it answers on. */
  public record Node(byte[] id, InetSocketAddress address) {}

  /** Return the 6-byte form of {@code a}, or null if it is not IPv4. */
  public static byte[] peer(InetSocketAddress a) {
    byte[] ip = a.getAddress() == null ? null : a.getAddress().getAddress();
    if (ip == null || ip.length != 4) {
      return null;
    }
    return ByteBuffer.allocate(PEER_BYTES).put(ip).putShort((short) a.getPort()).array();
  }

  /** Return the address in {@code b} at {@code off} (6 bytes), or null for port 0. */
  public static InetSocketAddress peer(byte[] b, int off) {
    if (b.length - off < PEER_BYTES) {
      return null;
    }
    int port = ((b[off + 4] & 0xff) << 8) | (b[off + 5] & 0xff);
    if (port == 0) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(new byte[] {b[off], b[off + 1], b[off + 2], b[off + 3]}), port);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 bytes are always an address", e);
    }
  }

  /** Return the concatenated compact forms of {@code nodes} (IPv6 ones left out). */
  public static byte[] nodes(List<Node> nodes) {
    ByteBuffer out = ByteBuffer.allocate(nodes.size() * NODE_BYTES);
    for (Node n : nodes) {
      byte[] p = peer(n.address());
      if (p != null && n.id().length == MainlineIds.ID_BYTES) {
        out.put(n.id()).put(p);
      }
    }
    return java.util.Arrays.copyOf(out.array(), out.position());
  }

  /** Return at most {@code max} nodes decoded from {@code b}; a trailing partial entry is ignored. */
  public static List<Node> nodes(byte[] b, int max) {
    List<Node> out = new ArrayList<>();
    for (int off = 0; off + NODE_BYTES <= b.length && out.size() < max; off += NODE_BYTES) {
      InetSocketAddress a = peer(b, off + MainlineIds.ID_BYTES);
      if (a != null) {
        out.add(new Node(java.util.Arrays.copyOfRange(b, off, off + MainlineIds.ID_BYTES), a));
      }
    }
    return out;
  }
}
