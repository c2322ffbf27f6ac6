package dev.wormholes.proto;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.MutableItem;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Encode and decode the DHT/NAT control datagram, {@link Packet} ({@code wormholes.proto}).
 *
 * <p>Wire contract: every datagram is one serialized {@code Packet} of at most {@link
 * Limits#MAX_DATAGRAM} bytes whose first five bytes are {@code 0D 4C 4F 48 57} (the tag of fixed32
 * field 1 and {@link Limits#MAGIC} little-endian). protobuf-java writes fields in field-number order,
 * so every packet built here starts that way; the first byte has QUIC's fixed bit (0x40) clear.
 *
 * <p>{@link #decode} is the only door for peer bytes. It checks the length before parsing, parses
 * with a small nesting limit, then checks every field a peer controls, and reports any failure as
 * a {@link DecodeResult.Dropped} with a {@link DropReason}: it never throws, whatever the input.
 * Signed values inside a packet are checked for size only; signatures, key bindings and expiry are
 * {@link DhtValues#check}'s job, so that a holder can answer a bad value with an error response.
 */
public final class PacketCodec {
  private PacketCodec() {}

  /** Longest address-validation token a peer may send. */
  public static final int MAX_TOKEN = 32;
  /** Longest {@code ErrorResponse.message}, in chars. */
  public static final int MAX_ERROR_MESSAGE = 128;
  /** Deepest message nesting accepted (the schema needs 4: Packet, PutValue, StoredValue, MutableItem). */
  static final int RECURSION_LIMIT = 8;
  /** The first five bytes of every packet. */
  static final byte[] PREFIX = {Limits.FIRST_BYTE, 0x4C, 0x4F, 0x48, 0x57};

  private static final Map<DropReason, DecodeResult.Dropped> DROPPED = new EnumMap<>(DropReason.class);

  static {
    for (DropReason r : DropReason.values()) {
      DROPPED.put(r, new DecodeResult.Dropped(r));
    }
  }

  // ---- building

  /**
   * Return a packet builder with magic, version, {@code networkId}, {@code txid} and the sender's
   * id set: add a body (and a token, if one is held for the destination) and {@link #encode} it.
   */
  public static Packet.Builder request(long networkId, long txid, NodeId sender) {
    return Packet.newBuilder()
        .setMagic(Limits.MAGIC)
        .setVersion(Limits.PROTOCOL_VERSION)
        .setNetworkId(networkId)
        .setTxid(txid)
        .setSenderId(ByteString.copyFrom(sender.toBytes()));
  }

  /**
   * Return a builder for the response to {@code request}, which came from {@code observed}: same
   * network and txid, this node as sender, and the requester's observed address set (every response
   * carries it). Add the body, the token and, if content was cut, {@code truncated}.
   */
  public static Packet.Builder response(Packet request, NodeId sender, InetSocketAddress observed) {
    return request(request.getNetworkId(), request.getTxid(), sender)
        .setObserved(Endpoints.toWire(observed));
  }

  /** Return the sender id of a packet that {@link #decode} accepted. */
  public static NodeId sender(Packet packet) {
    return NodeId.of(packet.getSenderId().toByteArray());
  }

  // ---- encoding

  /** Return whether {@code packet} fits in one datagram ({@link Limits#MAX_DATAGRAM}). */
  public static boolean fits(Packet packet) {
    return packet.getSerializedSize() <= Limits.MAX_DATAGRAM;
  }

  /**
   * Return the datagram of {@code packet}. Throw {@link IllegalArgumentException} if its magic is
   * not {@link Limits#MAGIC} or it does not {@link #fits fit}: peers would drop it, so sending it
   * is a bug. Engines that fill a response with variable content (contacts, a value) check {@link
   * #fits} and shed contacts first.
   */
  public static byte[] encode(Packet packet) {
    if (packet.getMagic() != Limits.MAGIC) {
      throw new IllegalArgumentException("packet without magic: build it with PacketCodec.request/response");
    }
    int size = packet.getSerializedSize();
    if (size > Limits.MAX_DATAGRAM) {
      throw new IllegalArgumentException("packet is " + size + " bytes; the limit is " + Limits.MAX_DATAGRAM);
    }
    return packet.toByteArray();
  }

  // ---- decoding

  /**
   * Return whether {@code datagram} looks like a Wormholes control datagram (first byte {@link
   * Limits#FIRST_BYTE}) rather than, say, a QUIC packet on the same socket. Never throws.
   */
  public static boolean isOurs(byte[] datagram) {
    return datagram != null && datagram.length > 0 && datagram[0] == Limits.FIRST_BYTE;
  }

  /**
   * Return the packet in {@code datagram} if it is well formed, belongs to network {@code
   * expectedNetworkId} and every peer-controlled field is within its limits; else the reason it is
   * dropped. Cheap checks run first: length, first byte and magic before parsing. Never throws.
   */
  public static DecodeResult decode(byte[] datagram, long expectedNetworkId) {
    DropReason early = checkFrame(datagram);
    if (early != null) {
      return DROPPED.get(early);
    }
    Packet packet;
    try {
      CodedInputStream in = CodedInputStream.newInstance(datagram);
      in.setRecursionLimit(RECURSION_LIMIT);
      packet = Packet.parser().parseFrom(in);
      in.checkLastTagWas(0); // a stray END_GROUP tag stops parsing early: refuse the rest
      if (!in.isAtEnd()) {
        return DROPPED.get(DropReason.UNPARSEABLE);
      }
    } catch (IOException | RuntimeException e) {
      return DROPPED.get(DropReason.UNPARSEABLE);
    }
    DropReason bad = checkPacket(packet, expectedNetworkId);
    return bad == null ? new DecodeResult.Ok(packet) : DROPPED.get(bad);
  }

  private static DropReason checkFrame(byte[] datagram) {
    if (datagram == null || datagram.length == 0) {
      return DropReason.EMPTY;
    }
    if (datagram.length > Limits.MAX_DATAGRAM) {
      return DropReason.TOO_LARGE;
    }
    if (datagram[0] != Limits.FIRST_BYTE) {
      return DropReason.NOT_OURS;
    }
    if (datagram.length < PREFIX.length) {
      return DropReason.UNPARSEABLE;
    }
    for (int i = 1; i < PREFIX.length; i++) {
      if (datagram[i] != PREFIX[i]) {
        return DropReason.BAD_MAGIC;
      }
    }
    return null;
  }

  /** Return the first failed check of a parsed packet, or null if it passes them all. */
  static DropReason checkPacket(Packet p, long expectedNetworkId) {
    if (p.getMagic() != Limits.MAGIC) {
      return DropReason.BAD_MAGIC; // a second field 1 later in the datagram overrode the prefix
    }
    if (p.getVersion() != Limits.PROTOCOL_VERSION) {
      return DropReason.BAD_VERSION;
    }
    if (p.getNetworkId() != expectedNetworkId) {
      return DropReason.WRONG_NETWORK;
    }
    if (!headerFieldsValid(p)) {
      return DropReason.BAD_FIELD;
    }
    return checkBody(p);
  }

  private static boolean headerFieldsValid(Packet p) {
    return p.getSenderId().size() == NodeId.BYTES
        && (!p.hasObserved() || Endpoints.isValid(p.getObserved()))
        && p.getToken().size() <= MAX_TOKEN
        && (p.getChallenge().isEmpty() || p.getChallenge().size() == KeyProofs.CHALLENGE_BYTES)
        && (!p.hasProof() || (p.getProof().getPublicKey().size() == Identity.PUBLIC_KEY_BYTES
            && p.getProof().getSignature().size() == Identity.SIGNATURE_BYTES))
        && allZero(p.getPadding());
  }

  private static DropReason checkBody(Packet p) {
    switch (p.getBodyCase()) {
      case PING:
      case PONG:
      case PUT_ACK:
        return null;
      case FIND_NODE:
        return fieldIf(p.getFindNode().getTarget().size() == NodeId.BYTES);
      case NODES:
        return checkContacts(p.getNodes().getNodesList());
      case GET_VALUE:
        return fieldIf(p.getGetValue().getKey().size() == NodeId.BYTES);
      case VALUE_RESPONSE: {
        DropReason c = checkContacts(p.getValueResponse().getNodesList());
        if (c != null) return c;
        return fieldIf(!p.getValueResponse().hasValue() || valueSizesValid(p.getValueResponse().getValue()));
      }
      case PUT_VALUE:
        return fieldIf(p.getPutValue().hasValue() && valueSizesValid(p.getPutValue().getValue()));
      case ERROR:
        return fieldIf(p.getError().getMessage().length() <= MAX_ERROR_MESSAGE);
      default:
        return DropReason.NO_BODY; // BODY_NOT_SET: absent, or a body type this version lacks
    }
  }

  private static DropReason checkContacts(List<Contact> contacts) {
    if (contacts.size() > Limits.MAX_CONTACTS) {
      return DropReason.TOO_MANY_CONTACTS;
    }
    for (Contact c : contacts) {
      if (c.getId().size() != NodeId.BYTES || !c.hasEndpoint() || !Endpoints.isValid(c.getEndpoint())) {
        return DropReason.BAD_FIELD;
      }
    }
    return null;
  }

  /** Check sizes only (upper bounds); exact lengths and signatures are DhtValues.check's job. */
  private static boolean valueSizesValid(StoredValue v) {
    switch (v.getKindCase()) {
      case IMMUTABLE:
        return v.getImmutable().size() <= Limits.MAX_VALUE;
      case MUTABLE: {
        MutableItem m = v.getMutable();
        return m.getValue().size() <= Limits.MAX_VALUE && m.getSalt().size() <= Limits.MAX_SALT
            && m.getPublicKey().size() <= Identity.PUBLIC_KEY_BYTES
            && m.getSignature().size() <= Identity.SIGNATURE_BYTES;
      }
      case PRESENCE: {
        SignedPresence sp = v.getPresence();
        return sp.getPresence().size() <= Limits.MAX_PRESENCE
            && sp.getSignature().size() <= Identity.SIGNATURE_BYTES;
      }
      default:
        return false; // a value of no kind this version knows
    }
  }

  private static boolean allZero(ByteString bytes) {
    for (int i = 0; i < bytes.size(); i++) {
      if (bytes.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static DropReason fieldIf(boolean valid) {
    return valid ? null : DropReason.BAD_FIELD;
  }
}
