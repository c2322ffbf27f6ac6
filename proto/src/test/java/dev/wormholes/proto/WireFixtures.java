package dev.wormholes.proto;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.ErrorResponse;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.GetValue;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.Pong;
import dev.wormholes.proto.wire.PortMappingProtocol;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.PutAck;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import dev.wormholes.proto.wire.ValueResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fixed inputs for wire tests: one packet per body type, built from a fixed-seed identity, fixed
 * txid, fixed addresses and fixed times, so their encodings never change (Ed25519 signing is
 * deterministic).
 */
final class WireFixtures {
  private WireFixtures() {}

  /** Seed 00 01 02 .. 1f. */
  static final Identity NODE = Identity.fromSeed(range(0, 32));
  /** Seed 20 21 .. 3f: the owner of the signed values. */
  static final Identity OWNER = Identity.fromSeed(range(32, 32));
  static final long NETWORK = 0L;
  static final long PRIVATE_NETWORK = 0x0123456789ABCDEFL;
  static final long TXID = 0x0102030405060708L;
  static final long EXPIRES = 1_800_000_000_000L;
  static final ByteString TOKEN = ByteString.copyFrom(filled(16, 0xAA));
  static final InetSocketAddress OBSERVED = address("203.0.113.7", 40000);
  static final NodeId TARGET = NodeId.of(filled(32, 0x11));

  static byte[] range(int from, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (from + i);
    }
    return b;
  }

  static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(com.google.common.net.InetAddresses.forString(ip).getAddress()), port);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static Contact contact(int idByte, String ip, int port) {
    return Endpoints.contact(NodeId.of(filled(32, idByte)), address(ip, port));
  }

  static final Contact C1 = contact(0x21, "192.0.2.1", 7447);
  static final Contact C2 = contact(0x22, "2001:db8::1", 7448);

  static Packet.Builder request() {
    return PacketCodec.request(NETWORK, TXID, NODE.id());
  }

  static Packet.Builder response() {
    return request().setObserved(Endpoints.toWire(OBSERVED)).setToken(TOKEN);
  }

  static StoredValue immutableValue() {
    return DhtValues.immutable("hello wormholes".getBytes(StandardCharsets.US_ASCII));
  }

  static StoredValue mutableValue() {
    return DhtValues.mutable(OWNER, "profile".getBytes(StandardCharsets.US_ASCII), 7,
        "mutable value".getBytes(StandardCharsets.US_ASCII));
  }

  static StoredValue presenceValue() {
    Presence p = Presence.newBuilder()
        .setSeq(3)
        .setExpiresAtMs(EXPIRES)
        .addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_LAN)
            .setEndpoint(Endpoints.toWire(address("192.168.1.10", 7447))))
        .addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_OBSERVED)
            .setEndpoint(Endpoints.toWire(OBSERVED)))
        .addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_RELAY)
            .setEndpoint(C1.getEndpoint()).setVia(C1.getId()))
        .setNat(NatReport.newBuilder()
            .setMapping(NatBehaviour.NAT_ENDPOINT_INDEPENDENT)
            .setFiltering(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)
            .setPortPreserving(true)
            .setMappingLifetimeS(120)
            .setPortMapping(PortMappingProtocol.PORT_MAPPING_PCP))
        .addIntroducers(C2)
        .build();
    return DhtValues.presence(OWNER, p);
  }

  static Packet ping() {
    return request().setPing(Ping.getDefaultInstance()).build();
  }

  static Packet pingPrivatePadded() {
    return PacketCodec.request(PRIVATE_NETWORK, TXID, NODE.id()).setToken(TOKEN)
        .setPadding(ByteString.copyFrom(new byte[8])).setPing(Ping.getDefaultInstance()).build();
  }

  static final ByteString CHALLENGE = ByteString.copyFrom(filled(KeyProofs.CHALLENGE_BYTES, 0x33));

  /** A PING asking the responder to prove its key (sent to a node we would admit). */
  static Packet pingChallenge() {
    return request().setChallenge(CHALLENGE).setPing(Ping.getDefaultInstance()).build();
  }

  /** The PONG to {@link #pingChallenge} from OWNER: its proof names NODE, the requester. */
  static Packet pongProof() {
    return PacketCodec.request(NETWORK, TXID, OWNER.id()).setObserved(Endpoints.toWire(OBSERVED)).setToken(TOKEN)
        .setProof(KeyProofs.prove(OWNER, NETWORK, CHALLENGE, NODE.id())).setPong(Pong.getDefaultInstance()).build();
  }

  static Packet pong() {
    return response().setPong(Pong.getDefaultInstance()).build();
  }

  static Packet findNode() {
    return request().setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(TARGET.toBytes()))).build();
  }

  /** A FIND_NODE from a node that cannot be reached unsolicited (BEP 43 "ro"). */
  static Packet findNodeReadOnly() {
    return request().setReadOnly(true)
        .setFindNode(FindNode.newBuilder().setTarget(ByteString.copyFrom(TARGET.toBytes()))).build();
  }

  /** A PING from a read-only node, with a token. */
  static Packet pingReadOnly() {
    return request().setToken(TOKEN).setReadOnly(true).setPing(Ping.getDefaultInstance()).build();
  }

  static Packet nodes() {
    return response().setTruncated(true).setNodes(Nodes.newBuilder().addNodes(C1).addNodes(C2)).build();
  }

  static Packet getValue() {
    return request().setGetValue(GetValue.newBuilder().setKey(ByteString.copyFrom(TARGET.toBytes())).setMinSeq(5)).build();
  }

  static Packet valueResponse(StoredValue v) {
    ValueResponse.Builder r = ValueResponse.newBuilder().addNodes(C1);
    if (v != null) {
      r.setValue(v);
    }
    return response().setValueResponse(r).build();
  }

  static Packet putValue() {
    return request().setToken(TOKEN).setPutValue(PutValue.newBuilder().setValue(mutableValue()).setCas(6)).build();
  }

  /** A holder's re-put of a value first stored 90 minutes ago (replication carries the age). */
  static Packet putValueAged() {
    return request().setToken(TOKEN).setPutValue(PutValue.newBuilder().setValue(immutableValue())
        .setAgeMs(90 * 60_000L)).build();
  }

  static Packet putAck() {
    return response().setPutAck(PutAck.getDefaultInstance()).build();
  }

  static Packet error() {
    return response().setError(ErrorResponse.newBuilder().setCode(ErrorCode.ERROR_STALE).setMessage("seq 3 <= held 4")).build();
  }
}
