package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stale (older seq) or forged (bad signature, other key) presence record never wins over the
 * valid newest one: holders refuse it on PUT, drop it before serving it, readers keep the highest
 * valid seq even when responses are tampered with in flight, and read repair restores the newest
 * on the holders that served something else, with the default early end of a GET ({@link
 * DhtConfig#getQuorum()}).
 */
class StaleAndForgedRecordTest {
  @Test
  void theValidNewestRecordAlwaysWins() throws Exception {
    long seed = Long.getLong("dht.seed", 4242L);
    System.out.println("StaleAndForgedRecordTest seed " + seed);
    SimNet net = new SimNet(seed);
    net.grow(60, DhtConfig.defaults());
    SimNet.Node owner = net.nodes.get(5);
    SimNet.Node attacker = net.nodes.get(6);
    long expires = SimNet.WALL_BASE + net.now + 3_600_000;
    StoredValue v1 = SimNet.presenceOf(owner, 1, expires);
    StoredValue v2 = SimNet.presenceOf(owner, 2, expires);
    StoredValue forged = forged(owner, attacker.identity, 99, expires);
    StoredValue tampered = tampered(SimNet.presenceOf(owner, 100, expires));
    NodeId key = owner.id();

    net.await(owner, owner.engine.publish(v1, net.now), 30_000);
    QueryResult.Stored s2 = assertInstanceOf(QueryResult.Stored.class, net.await(owner, owner.engine.publish(v2, net.now), 30_000));
    assertTrue(s2.acks() >= 15, "acks " + s2.acks());
    List<SimNet.Node> holders = new ArrayList<>();
    for (SimNet.Node n : net.nodes) {
      if (n != owner && n.engine.store().get(key) != null) {
        holders.add(n);
        assertEquals(v2, n.engine.store().get(key), "a holder kept the older seq");
      }
    }
    assertTrue(holders.size() >= 15);

    // Direct PUTs of bad records, with valid tokens, are refused.
    SimNet.Node h0 = holders.get(0);
    assertEquals(ErrorCode.ERROR_STALE, rawPut(net, h0, attacker, v1).getError().getCode());
    assertEquals(ErrorCode.ERROR_INVALID_VALUE, rawPut(net, h0, attacker, forged).getError().getCode());
    assertEquals(ErrorCode.ERROR_INVALID_VALUE, rawPut(net, h0, attacker, tampered).getError().getCode());
    assertEquals(v2, h0.engine.store().get(key));

    // Corrupt holders' stores behind the engines' backs: a third stale, a third forged.
    for (int i = 0; i < holders.size(); i++) {
      if (i % 3 == 1) holders.get(i).engine.store().put(key, v1, SimNet.WALL_BASE + net.now);
      if (i % 3 == 2) holders.get(i).engine.store().put(key, i % 2 == 0 ? forged : tampered, SimNet.WALL_BASE + net.now);
    }
    // And tamper with half of the value responses in flight.
    net.tap = (to, bytes) -> {
      try {
        Packet p = Packet.parseFrom(bytes);
        if (!p.hasValueResponse() || !p.getValueResponse().hasValue() || net.random.nextBoolean()) return bytes;
        StoredValue bad = switch (net.random.nextInt(3)) {
          case 0 -> v1;
          case 1 -> forged;
          default -> tampered;
        };
        return p.toBuilder().setValueResponse(p.getValueResponse().toBuilder().setValue(bad)).build().toByteArray();
      } catch (Exception e) {
        return bytes;
      }
    };
    for (int i = 0; i < 30; i++) {
      SimNet.Node reader = net.nodes.get(10 + i);
      QueryResult r = net.await(reader, reader.engine.get(key, net.now), 30_000);
      QueryResult.Found f = assertInstanceOf(QueryResult.Found.class, r, "reader " + reader.index);
      assertEquals(v2, f.value(), "reader " + reader.index + " got a record that is not the valid newest");
    }
    // Read repair: the GETs put the newest record back on the holders that served a stale or forged one.
    net.runFor(5_000);
    long repairs = net.nodes.stream().mapToLong(n -> n.engine.stats().repairs()).sum();
    for (SimNet.Node h : holders) {
      assertEquals(v2, h.engine.store().get(key), "holder " + h.index + " was not repaired");
    }
    assertTrue(repairs > 0);
  }

  /** A presence record under {@code owner}'s key, signed by someone else. */
  static StoredValue forged(SimNet.Node owner, Identity signer, long seq, long expires) {
    byte[] bytes = Presence.newBuilder()
        .setPublicKey(ByteString.copyFrom(owner.identity.publicKey()))
        .setSeq(seq).setExpiresAtMs(expires).build().toByteArray();
    byte[] sig = signer.sign(DhtValues.PRESENCE_DOMAIN, bytes);
    return StoredValue.newBuilder().setPresence(SignedPresence.newBuilder()
        .setPresence(ByteString.copyFrom(bytes)).setSignature(ByteString.copyFrom(sig))).build();
  }

  /** A validly signed record with one bit of its signature flipped. */
  static StoredValue tampered(StoredValue v) {
    byte[] sig = v.getPresence().getSignature().toByteArray();
    sig[10] ^= 1;
    return v.toBuilder().setPresence(v.getPresence().toBuilder().setSignature(ByteString.copyFrom(sig))).build();
  }

  // Send a PUT from `from`'s address straight to `holder`, with a token fetched first; return the answer.
  private static Packet rawPut(SimNet net, SimNet.Node holder, SimNet.Node from, StoredValue v) throws Exception {
    Packet ping = Wire.header(0, 1, ByteString.copyFrom(from.id().toBytes())).setPing(Ping.getDefaultInstance())
        .setPadding(ByteString.copyFrom(new byte[200])).build();
    ByteString token = answer(net, holder, from, ping).getToken();
    Packet put = Wire.header(0, 2, ByteString.copyFrom(from.id().toBytes())).setToken(token)
        .setPutValue(PutValue.newBuilder().setValue(v)).build();
    return answer(net, holder, from, put);
  }

  private static Packet answer(SimNet net, SimNet.Node holder, SimNet.Node from, Packet req) throws Exception {
    holder.engine.handleDatagram(from.address, req.toByteArray(), net.now);
    Packet answer = null;
    List<Transmit> others = new ArrayList<>();
    for (Transmit t = holder.engine.pollTransmit(); t != null; t = holder.engine.pollTransmit()) {
      Packet p = Packet.parseFrom(t.payload());
      if (t.to().equals(from.address) && p.getTxid() == req.getTxid()) answer = p;
      else others.add(t);
    }
    net.drain(holder);
    return answer;
  }
}
