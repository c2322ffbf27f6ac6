package dev.wormholes.node.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.dht.Contact;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Endpoint;
import dev.wormholes.proto.wire.Nodes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Encode and decode a routing-table snapshot as a wire {@link Nodes} message (no new format to keep). */
public final class RoutingSnapshot {
  /** Most contacts kept in a snapshot: enough for every bucket of a large network. */
  public static final int MAX_CONTACTS = 4096;

  private RoutingSnapshot() {}

  /** Return the bytes of {@code contacts}, at most {@link #MAX_CONTACTS} of them. */
  public static byte[] encode(List<Contact> contacts) {
    Nodes.Builder b = Nodes.newBuilder();
    for (Contact c : contacts.subList(0, Math.min(contacts.size(), MAX_CONTACTS))) {
      b.addNodes(dev.wormholes.proto.wire.Contact.newBuilder()
          .setId(ByteString.copyFrom(c.id().toBytes()))
          .setEndpoint(endpoint(c.address())));
    }
    return b.build().toByteArray();
  }

  /** Return the contacts in {@code bytes}; skip malformed entries; empty on unparseable bytes. */
  public static List<Contact> decode(byte[] bytes) {
    List<Contact> out = new ArrayList<>();
    try {
      for (dev.wormholes.proto.wire.Contact c : Nodes.parseFrom(bytes).getNodesList()) {
        InetSocketAddress a = address(c.getEndpoint());
        if (a != null && c.getId().size() == NodeId.BYTES && out.size() < MAX_CONTACTS) {
          out.add(new Contact(NodeId.of(c.getId().toByteArray()), a));
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return List.of();
    }
    return out;
  }

  /** Return the wire endpoint of {@code a}. */
  public static Endpoint endpoint(InetSocketAddress a) {
    return Endpoint.newBuilder()
        .setIp(ByteString.copyFrom(a.getAddress().getAddress()))
        .setPort(a.getPort())
        .build();
  }

  /** Return the socket address of {@code e}, or null if its ip or port is malformed. */
  public static InetSocketAddress address(Endpoint e) {
    int len = e.getIp().size();
    if ((len != 4 && len != 16) || e.getPort() <= 0 || e.getPort() > 65535) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(e.getIp().toByteArray()), e.getPort());
    } catch (UnknownHostException ex) {
      return null; // only thrown for illegal lengths, checked above
    }
  }
}
