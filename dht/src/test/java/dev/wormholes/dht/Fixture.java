package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One engine with a filled routing table, fed hand-made datagrams (for wire-level tests). */
final class Fixture {
  final SplittableRandom random;
  final Identity identity;
  final DhtEngine engine;
  final MemoryValueStore store = new MemoryValueStore();
  long now = 1_000;
  final List<Contact> contacts = new ArrayList<>();

  Fixture(long seed, int contactCount) {
    this(seed, contactCount, DhtConfig.defaults());
  }

  Fixture(long seed, int contactCount, DhtConfig config) {
    random = new SplittableRandom(seed);
    identity = dev.wormholes.proto.KeyProofs.grind(random, config.idWorkBits(), null);
    engine = new DhtEngine(identity, config, new SplittableRandom(seed + 1), () -> SimNet.WALL_BASE + now,
        ValueValidator.standard(), store);
    for (int i = 0; i < contactCount; i++) {
      Contact c = new Contact(randomId(), SimNet.addressOf(1000 + i));
      contacts.add(c);
      engine.addContact(c, now);
    }
    drainTransmits();
  }

  NodeId randomId() {
    return NodeId.ofWords(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
  }

  /** Return a request builder with a valid header from {@code sender}. */
  Packet.Builder request(NodeId sender) {
    return Wire.header(0, random.nextLong(), ByteString.copyFrom(sender.toBytes()));
  }

  /** Return a fresh identity (a peer that can prove its key). */
  Identity newIdentity() {
    return Identity.generate(random);
  }

  /**
   * Return the token the engine issues to {@code at}, learned by sending it a padded PING as
   * {@code sender} (and draining what it answers).
   */
  ByteString tokenFor(NodeId sender, java.net.InetSocketAddress at) throws Exception {
    Packet ping = request(sender).setPing(dev.wormholes.proto.wire.Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[300])).build();
    return responseTo(deliver(at, ping.toByteArray()), ping).getToken();
  }

  /**
   * Return {@code from}'s PONG to the engine's {@code request}, seen from {@code observed}, with a
   * key proof over the request's challenge when {@code prove} (and the request has one).
   */
  Packet pongFrom(Identity from, Packet request, java.net.InetSocketAddress observed, boolean prove) {
    Packet.Builder b = Wire.header(0, request.getTxid(), ByteString.copyFrom(from.id().toBytes()))
        .setObserved(Wire.endpoint(observed)).setToken(ByteString.copyFrom(new byte[16]))
        .setPong(dev.wormholes.proto.wire.Pong.getDefaultInstance());
    if (prove && !request.getChallenge().isEmpty()) {
      b.setProof(dev.wormholes.proto.KeyProofs.prove(from, 0, request.getChallenge(), identity.id()));
    }
    return b.build();
  }

  /** Deliver {@code bytes} from contact index {@code from} and return what the engine sent back. */
  List<Transmit> deliver(java.net.InetSocketAddress from, byte[] bytes) {
    engine.handleDatagram(from, bytes, now);
    return drainTransmits();
  }

  List<Transmit> drainTransmits() {
    List<Transmit> out = new ArrayList<>();
    for (Transmit t = engine.pollTransmit(); t != null; t = engine.pollTransmit()) out.add(t);
    while (engine.pollEvent() != null) { }
    return out;
  }

  /** Return the response to us among {@code ts} (the one whose txid matches), parsed. */
  static Packet responseTo(List<Transmit> ts, Packet request) throws Exception {
    for (Transmit t : ts) {
      Packet p = Packet.parseFrom(t.payload());
      if (p.getTxid() == request.getTxid()) return p;
    }
    return null;
  }

  static int limit() {
    return Limits.MAX_DATAGRAM;
  }
}
