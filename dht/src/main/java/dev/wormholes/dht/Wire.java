package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Endpoint;
import dev.wormholes.proto.wire.Packet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoding with hard limits and encoding helpers for {@link Packet} (wormholes.proto). The decoder
 * checks size and first byte before parsing, then magic, version, network, sender id, and every id,
 * endpoint and contact count of the body, so that the engine's handlers can trust what they get.
 * It reports failure as a {@link DropReason} and never throws.
 */
final class Wire {
  private Wire() {}

  /** A datagram that passed every check, with its sender id parsed. */
  record Decoded(Packet packet, NodeId sender) {}

  /** The outcome of {@link #decode}: exactly one of the two is set. */
  record Result(Decoded decoded, DropReason dropped) {}

  /** Decode {@code datagram} of network {@code networkId} received by {@code self}. */
  static Result decode(byte[] datagram, long networkId, NodeId self) {
    if (datagram == null || datagram.length == 0 || datagram.length > Limits.MAX_DATAGRAM) {
      return drop(DropReason.BAD_SIZE);
    }
    if (datagram[0] != Limits.FIRST_BYTE) return drop(DropReason.BAD_FIRST_BYTE);
    Packet p;
    try {
      CodedInputStream in = CodedInputStream.newInstance(datagram);
      in.setRecursionLimit(8);
      p = Packet.parseFrom(in);
    } catch (IOException | RuntimeException e) {
      return drop(DropReason.MALFORMED);
    }
    if (p.getMagic() != Limits.MAGIC) return drop(DropReason.BAD_MAGIC);
    if (p.getVersion() != Limits.PROTOCOL_VERSION) return drop(DropReason.BAD_VERSION);
    if (p.getNetworkId() != networkId) return drop(DropReason.WRONG_NETWORK);
    if (p.getSenderId().size() != NodeId.BYTES) return drop(DropReason.BAD_SENDER);
    NodeId sender = NodeId.of(p.getSenderId().toByteArray());
    if (sender.equals(self)) return drop(DropReason.BAD_SENDER);
    DropReason bad = checkBody(p);
    return bad != null ? drop(bad) : new Result(new Decoded(p, sender), null);
  }

  private static Result drop(DropReason r) {
    return new Result(null, r);
  }

  private static DropReason checkBody(Packet p) {
    switch (p.getBodyCase()) {
      case PING: case PONG: case PUT_ACK: case ERROR:
        return null;
      case FIND_NODE:
        return p.getFindNode().getTarget().size() == NodeId.BYTES ? null : DropReason.BAD_BODY;
      case GET_VALUE:
        return p.getGetValue().getKey().size() == NodeId.BYTES ? null : DropReason.BAD_BODY;
      case PUT_VALUE:
        return p.getPutValue().hasValue() ? null : DropReason.BAD_BODY;
      case NODES:
        return checkContacts(p.getNodes().getNodesList());
      case VALUE_RESPONSE:
        return checkContacts(p.getValueResponse().getNodesList());
      default:
        return DropReason.BAD_BODY;
    }
  }

  private static DropReason checkContacts(List<dev.wormholes.proto.wire.Contact> list) {
    if (list.size() > Limits.MAX_CONTACTS) return DropReason.TOO_MANY_CONTACTS;
    for (dev.wormholes.proto.wire.Contact c : list) {
      if (c.getId().size() != NodeId.BYTES || !validEndpoint(c.getEndpoint())) return DropReason.BAD_BODY;
    }
    return null;
  }

  /** Return whether {@code e} has a 4- or 16-byte address and a port in 1..65535. */
  static boolean validEndpoint(Endpoint e) {
    int n = e.getIp().size();
    return (n == 4 || n == 16) && e.getPort() >= 1 && e.getPort() <= 65_535;
  }

  /** Return whether the packet is a request (PING, FIND_NODE, GET_VALUE, PUT_VALUE). */
  static boolean isRequest(Packet p) {
    switch (p.getBodyCase()) {
      case PING: case FIND_NODE: case GET_VALUE: case PUT_VALUE:
        return true;
      default:
        return false;
    }
  }

  /** Return the address of a valid endpoint ({@link #validEndpoint}), or null. */
  static InetSocketAddress address(Endpoint e) {
    if (!validEndpoint(e)) return null;
    try {
      return new InetSocketAddress(InetAddress.getByAddress(e.getIp().toByteArray()), e.getPort());
    } catch (UnknownHostException ex) {
      return null; // only thrown for illegal lengths, excluded above
    }
  }

  /** Return the contacts of a checked list (see {@link #decode}). */
  static List<Contact> contacts(List<dev.wormholes.proto.wire.Contact> list) {
    List<Contact> out = new ArrayList<>(list.size());
    for (dev.wormholes.proto.wire.Contact c : list) {
      InetSocketAddress a = address(c.getEndpoint());
      if (a != null) out.add(new Contact(NodeId.of(c.getId().toByteArray()), a));
    }
    return out;
  }

  /** Return the wire endpoint of {@code a}; its address must be resolved. */
  static Endpoint endpoint(InetSocketAddress a) {
    return Endpoint.newBuilder()
        .setIp(ByteString.copyFrom(a.getAddress().getAddress()))
        .setPort(a.getPort())
        .build();
  }

  /** Return the wire form of {@code c}. */
  static dev.wormholes.proto.wire.Contact contact(Contact c) {
    return dev.wormholes.proto.wire.Contact.newBuilder()
        .setId(ByteString.copyFrom(c.id().toBytes()))
        .setEndpoint(endpoint(c.address()))
        .build();
  }

  /** Return the wire form of each contact. */
  static List<dev.wormholes.proto.wire.Contact> contactsOf(List<Contact> cs) {
    List<dev.wormholes.proto.wire.Contact> out = new ArrayList<>(cs.size());
    for (Contact c : cs) out.add(contact(c));
    return out;
  }

  /** Return a packet builder with the common header filled in. */
  static Packet.Builder header(long networkId, long txid, ByteString senderId) {
    return Packet.newBuilder()
        .setMagic(Limits.MAGIC)
        .setVersion(Limits.PROTOCOL_VERSION)
        .setNetworkId(networkId)
        .setTxid(txid)
        .setSenderId(senderId);
  }
}
