package dev.wormholes.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtConfig;
import dev.wormholes.dht.ValueStore;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.PutValue;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The runtime sends a PUT's acknowledgement only once the store says the turn's writes are
 * durable ({@link NodeStore#sealWrites}), and answers requests that wrote nothing at once.
 */
class AckAfterDurableStoreTest {
  /** An in-memory store whose durability the test completes by hand. */
  private static final class HeldStore implements NodeStore {
    final MemoryNodeStore inner = new MemoryNodeStore();
    volatile CompletableFuture<Void> durable;
    volatile boolean wrote;
    final ValueStore values = new ValueStore() {
      @Override public dev.wormholes.proto.wire.StoredValue get(dev.wormholes.proto.NodeId key) {
        return inner.values().get(key);
      }
      @Override public void put(dev.wormholes.proto.NodeId key, dev.wormholes.proto.wire.StoredValue v, long at) {
        wrote = true;
        inner.values().put(key, v, at);
      }
      @Override public void remove(dev.wormholes.proto.NodeId key) {
        wrote = true;
        inner.values().remove(key);
      }
      @Override public int size() {
        return inner.values().size();
      }
      @Override public void forEach(dev.wormholes.dht.StoreVisitor visitor) {
        inner.values().forEach(visitor);
      }
    };

    @Override public byte[] identitySeed(Supplier<byte[]> generate) {
      return inner.identitySeed(generate);
    }
    @Override public long nextPresenceSeq() {
      return inner.nextPresenceSeq();
    }
    @Override public List<Contact> loadRoutingSnapshot() {
      return inner.loadRoutingSnapshot();
    }
    @Override public void saveRoutingSnapshot(List<Contact> contacts) {
      inner.saveRoutingSnapshot(contacts);
    }
    @Override public SortedMap<String, String> loadServices() {
      return inner.loadServices();
    }
    @Override public void saveService(String name, String record) {
      inner.saveService(name, record);
    }
    @Override public boolean removeService(String name) {
      return inner.removeService(name);
    }
    @Override public java.util.SortedMap<String, byte[]> loadPeople() {
      return inner.loadPeople();
    }
    @Override public void savePeople(String key, byte[] value) {
      inner.savePeople(key, value);
    }
    @Override public boolean removePeople(String key) {
      return inner.removePeople(key);
    }
    @Override public java.util.SortedMap<String, byte[]> loadWhispers() {
      return inner.loadWhispers();
    }
    @Override public void saveWhisper(String key, byte[] value) {
      inner.saveWhisper(key, value);
    }
    @Override public boolean removeWhisper(String key) {
      return inner.removeWhisper(key);
    }
    @Override public ValueStore values() {
      return values;
    }
    @Override public CompletableFuture<Void> sealWrites() {
      if (!wrote) return null;
      wrote = false;
      durable = new CompletableFuture<>();
      return durable;
    }
    @Override public void close() {
      inner.close();
    }
  }

  @Test
  void putAckWaitsForDurability() {
    HeldStore store = new HeldStore();
    Identity id = Identity.generate(new SplittableRandom(12));
    UdpRuntime rt = UdpRuntime.start(id, store, RuntimeSettings.of(new InetSocketAddress("127.0.4.1", 0), List.of(),
        DhtConfig.defaults()));
    try (RawPeer peer = new RawPeer("127.0.4.2", rt.localAddress(), 12)) {
      Packet pong = null;
      for (int i = 0; i < 10 && pong == null; i++) { // a busy machine may be slow to answer the very first datagram
        pong = peer.exchange(peer.ping());
      }
      assertNotNull(pong, "a ping (writes nothing) is answered without any commit");
      Packet put = peer.request().setPutValue(PutValue.newBuilder()
          .setValue(DhtValues.immutable("held".getBytes()))).build();
      assertNull(peer.exchange(put), "acknowledged before the store made the value durable");
      CompletableFuture<Void> durable = store.durable;
      assertNotNull(durable, "the PUT sealed a batch");
      durable.complete(null);
      Packet ack = peer.awaitReply(put.getTxid());
      assertNotNull(ack, "no acknowledgement after the value became durable");
      assertTrue(ack.hasPutAck(), ack.toString());
      assertEquals(1, store.values().size());
    } finally {
      rt.close();
    }
  }
}
