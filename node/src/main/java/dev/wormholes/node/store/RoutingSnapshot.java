package dev.wormholes.node.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.dht.Contact;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Nodes;
import java.net.InetSocketAddress;
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
          .setEndpoint(Endpoints.toWire(c.address())));
    }
    return b.build().toByteArray();
  }

  /** Return the contacts in {@code bytes}; skip malformed entries; empty on unparseable bytes. */
  public static List<Contact> decode(byte[] bytes) {
    List<Contact> out = new ArrayList<>();
    try {
      for (dev.wormholes.proto.wire.Contact c : Nodes.parseFrom(bytes).getNodesList()) {
        InetSocketAddress a = Endpoints.fromWire(c.getEndpoint()).orElse(null);
        if (a != null && c.getId().size() == NodeId.BYTES && out.size() < MAX_CONTACTS) {
          out.add(new Contact(NodeId.of(c.getId().toByteArray()), a));
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return List.of();
    }
    return out;
  }
}
