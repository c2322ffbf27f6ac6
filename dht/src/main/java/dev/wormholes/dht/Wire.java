package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DecodeResult;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.PacketCodec;
import dev.wormholes.proto.wire.Endpoint;
import dev.wormholes.proto.wire.Packet;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's side of the wire: decoding through {@link PacketCodec} (hard limits, never throws)
 * into a {@link DropReason} or a checked packet with its sender id, and small conversions between
 * {@link Contact} and the wire types. Handlers can trust every id and endpoint of a decoded packet.
 */
final class Wire {
  // Smallest size of a request sent without a token, so that even the bare response (header,
  // observed IPv6 address, token) fits under the anti-amplification limit.
  static final int MIN_UNVALIDATED_REQUEST = 160;
  // The same for a request with a challenge, whose answer also carries a key proof (~102 bytes).
  static final int MIN_CHALLENGED_REQUEST = 272;

  private Wire() {}

  /**
   * Encode the request {@code body} with our header and {@code txid}. With a {@code token} it is
   * sent as it is; without one it is padded so that at least a cut answer fits the responder's
   * anti-amplification limit ({@link #MIN_UNVALIDATED_REQUEST}, {@link #MIN_CHALLENGED_REQUEST}),
   * and, when {@code fullPadding} (the address has proved itself to us), FIND_NODE and GET to
   * {@link DhtConfig#unvalidatedRequestSize()} so that the whole answer fits. A {@code challenge}
   * (non-null) asks the responder to prove its key. {@code readOnly} sets {@code read_only} (BEP
   * 43): we cannot be reached unsolicited.
   */
  static byte[] encodeRequest(Packet.Builder body, DhtConfig config, long txid, ByteString selfId, ByteString token,
      boolean readOnly, ByteString challenge, boolean fullPadding) {
    Packet.Builder b = body.setMagic(Limits.MAGIC).setVersion(Limits.PROTOCOL_VERSION)
        .setNetworkId(config.networkId()).setTxid(txid).setSenderId(selfId).setReadOnly(readOnly);
    if (challenge != null) b.setChallenge(challenge);
    if (token != null) return b.setToken(token).build().toByteArray();
    byte[] bytes = b.build().toByteArray();
    int target = fullPadding && (b.hasFindNode() || b.hasGetValue()) ? config.unvalidatedRequestSize() : 0;
    target = Math.max(target, challenge != null ? MIN_CHALLENGED_REQUEST : MIN_UNVALIDATED_REQUEST);
    return bytes.length < target ? pad(b, target - bytes.length) : bytes;
  }

  // Add zero padding (field 9: one tag byte, a 1- or 2-byte length) worth about `extra` bytes.
  private static byte[] pad(Packet.Builder b, int extra) {
    int n = extra - 2;
    if (n >= 128) n--;
    if (n < 0) n = 0;
    return b.setPadding(ByteString.copyFrom(new byte[n])).build().toByteArray();
  }

  /** A datagram that passed every check, with its sender id parsed. */
  record Decoded(Packet packet, NodeId sender) {}

  /** The outcome of {@link #decode}: exactly one of the two is set. */
  record Result(Decoded decoded, DropReason dropped) {}

  /**
   * Decode {@code datagram} of network {@code networkId} received by {@code self}: {@link
   * PacketCodec#decode} does every syntactic check (size and first byte before parsing, then magic,
   * version, network, id and endpoint lengths, contact counts, value sizes); on top of it a packet
   * claiming our own id is refused (a reflection of our own traffic).
   */
  static Result decode(byte[] datagram, long networkId, NodeId self) {
    DecodeResult r = PacketCodec.decode(datagram, networkId);
    if (r instanceof DecodeResult.Dropped d) return drop(DropReason.of(d.reason()));
    Packet p = ((DecodeResult.Ok) r).packet();
    NodeId sender = PacketCodec.sender(p);
    if (sender.equals(self)) return drop(DropReason.BAD_SENDER);
    return new Result(new Decoded(p, sender), null);
  }

  private static Result drop(DropReason r) {
    return new Result(null, r);
  }

  /** Return whether {@code e} has a 4- or 16-byte address and a port in 1..65535. */
  static boolean validEndpoint(Endpoint e) {
    return Endpoints.isValid(e);
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
    return Endpoints.fromWire(e).orElse(null);
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
    return Endpoints.toWire(a);
  }

  /** Return the wire form of {@code c}. */
  static dev.wormholes.proto.wire.Contact contact(Contact c) {
    return Endpoints.contact(c.id(), c.address());
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
