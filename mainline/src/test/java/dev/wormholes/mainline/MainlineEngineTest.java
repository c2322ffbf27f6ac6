package dev.wormholes.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The engine against a virtual network of BEP 5/44 storing nodes, on a fake clock. */
class MainlineEngineTest {
  private static final byte[] IH = MainlineIds.sha1("wormholes:public:v1".getBytes(StandardCharsets.US_ASCII));
  private final SplittableRandom random = new SplittableRandom(7);
  private final Net net = new Net();

  private void storingNodes(int n) {
    for (int i = 1; i <= n; i++) {
      net.node(Net.addr(i), new StoringNode(MainlineIds.random(random)));
    }
    net.meshNodes();
  }

  private MainlineEngine engine(int host, MainlineConfig c) {
    return net.engine(Net.addr(host), new MainlineEngine(c, random.split()));
  }

  private MainlineEngine bootstrapped(int host, MainlineConfig c) {
    MainlineEngine e = engine(host, c);
    e.bootstrap(List.of(Net.addr(1)), net.now);
    net.drain(e);
    net.runUntil(net.now + 5_000);
    return e;
  }

  @Test
  void bootstrapFromARouterFillsTheTableWithinTheQueryBudget() {
    storingNodes(40);
    MainlineEngine e = bootstrapped(200, MainlineConfig.defaults());
    MainlineEvent.Bootstrapped b = net.last(e, MainlineEvent.Bootstrapped.class);
    assertNotNull(b);
    assertTrue(e.tableSize() >= 8, "table " + e.tableSize());
    assertTrue(b.queries() <= MainlineConfig.defaults().maxQueriesPerLookup(), "queries " + b.queries());
    assertEquals(0, e.lookupsRunning());
  }

  @Test
  void announcedPeerIsFoundByAnother() {
    storingNodes(30);
    MainlineEngine a = bootstrapped(200, MainlineConfig.defaults());
    MainlineEngine b = bootstrapped(201, MainlineConfig.defaults());
    a.getPeers(IH, 7777, net.now);
    net.drain(a);
    net.runUntil(net.now + 5_000);
    MainlineEvent.PeersFound announced = net.last(a, MainlineEvent.PeersFound.class);
    assertEquals(8, announced.announcedTo());
    assertEquals(8, a.stats().storesAcked());
    b.getPeers(IH, 0, net.now);
    net.drain(b);
    net.runUntil(net.now + 5_000);
    MainlineEvent.PeersFound found = net.last(b, MainlineEvent.PeersFound.class);
    assertEquals(List.of(new InetSocketAddress(Net.addr(200).getAddress(), 7777)), found.peers());
    assertEquals(0, found.announcedTo());
  }

  @Test
  void readOnlyEngineFlagsQueriesAnnouncesNothingAndAnswersNothing() {
    storingNodes(20);
    MainlineEngine ro = bootstrapped(200, MainlineConfig.defaults().withReadOnly(true));
    ro.getPeers(IH, 7777, net.now);
    net.drain(ro);
    net.runUntil(net.now + 5_000);
    assertEquals(0, net.last(ro, MainlineEvent.PeersFound.class).announcedTo());
    for (Net.Packet p : net.sentBy(Net.addr(200))) {
      KrpcMessage.Query q = assertInstanceOf(KrpcMessage.Query.class,
          ((Krpc.Decoded.Ok) Krpc.decode(p.bytes())).message());
      assertTrue(q.readOnly(), q.method());
      assertTrue(!q.method().equals("announce_peer"));
    }
    int before = net.sentBy(Net.addr(200)).size();
    net.inject(Net.addr(1), Net.addr(200), Krpc.query(new byte[] {5, 5}, "ping",
        Bencode.dict().put("id", new byte[20]).build(), false));
    net.runUntil(net.now + 100);
    assertEquals(before, net.sentBy(Net.addr(200)).size());
    assertEquals(1, ro.stats().dropped(MainlineDrop.READ_ONLY));
  }

  @Test
  void putItemIsFoundAndForgedOrOversizedAnswersAreDroppedAndCounted() {
    storingNodes(30);
    MainlineEngine a = bootstrapped(200, MainlineConfig.defaults());
    MainlineEngine b = bootstrapped(201, MainlineConfig.defaults());
    Identity id = Identity.fromSeed(new byte[32]);
    byte[] salt = "wormholes:public:v1:presence".getBytes(StandardCharsets.US_ASCII);
    MutableItem item = MutableItem.sign(id, salt, 3, Bencode.dict().put("e", "127.0.0.1:1").build().encode());
    a.putItem(item, net.now);
    net.drain(a);
    net.runUntil(net.now + 5_000);
    assertEquals(8, net.last(a, MainlineEvent.ItemFound.class).storedTo());
    // Two nodes forge: one a bad signature, one a value over 1000 bytes (re-signed, so only size fails).
    List<StoringNode> holders = net.nodes.values().stream().filter(n -> !n.items.isEmpty()).toList();
    byte[] sig = item.signature();
    sig[0] ^= 1;
    holders.get(0).forged = new MutableItem(item.publicKey(), salt, 9, item.value(), sig);
    holders.get(1).forged = MutableItem.sign(id, salt, 10, Bencode.bytes(new byte[1000]).encode());
    b.getItem(id.publicKey(), salt, net.now);
    net.drain(b);
    net.runUntil(net.now + 5_000);
    MainlineEvent.ItemFound found = net.last(b, MainlineEvent.ItemFound.class);
    assertEquals(item, found.item());
    assertEquals(1, b.stats().dropped(MainlineDrop.FORGED_ITEM));
    assertEquals(1, b.stats().dropped(MainlineDrop.OVERSIZED_ITEM));
  }

  @Test
  void getOfAnAbsentItemEndsWithNone() {
    storingNodes(20);
    MainlineEngine a = bootstrapped(200, MainlineConfig.defaults());
    a.getItem(new byte[32], new byte[0], net.now);
    net.drain(a);
    net.runUntil(net.now + 5_000);
    assertNull(net.last(a, MainlineEvent.ItemFound.class).item());
  }

  @Test
  void badItemsAreRefusedBeforeAnythingIsSent() {
    MainlineEngine a = engine(200, MainlineConfig.defaults());
    Identity id = Identity.fromSeed(new byte[32]);
    a.putItem(MutableItem.sign(id, new byte[0], 1, Bencode.bytes(new byte[1000]).encode()), net.now);
    net.drain(a);
    assertNotNull(net.last(a, MainlineEvent.Refused.class));
    assertEquals(0, a.stats().queriesSent());
  }

  @Test
  void unsolicitedAndMalformedDatagramsAreDroppedAndCounted() {
    storingNodes(3);
    MainlineEngine a = engine(200, MainlineConfig.defaults());
    a.bootstrap(List.of(Net.addr(1)), net.now);
    byte[] sentTxid = ((Krpc.Decoded.Ok) Krpc.decode(a.pollTransmit().payload())).message().txid();
    byte[] answer = Krpc.response(sentTxid, Bencode.dict().put("id", new byte[20]).build(), Net.addr(200));
    a.handleDatagram(Net.addr(2), answer, net.now); // right txid, wrong address
    a.handleDatagram(Net.addr(1), Krpc.response(new byte[] {(byte) (sentTxid[0] + 1), sentTxid[1]},
        Bencode.dict().put("id", new byte[20]).build(), Net.addr(200)), net.now); // never sent
    a.handleDatagram(Net.addr(1), Krpc.error(new byte[] {1, 2, 3}, 201, "x"), net.now);
    a.handleDatagram(Net.addr(1), "d1:rd2:id3:abce1:t2:ab1:y1:re".getBytes(StandardCharsets.US_ASCII), net.now);
    a.handleDatagram(Net.addr(1), "d1:ti1ee".getBytes(StandardCharsets.US_ASCII), net.now);
    a.handleDatagram(Net.addr(1), "d1:t".getBytes(StandardCharsets.US_ASCII), net.now);
    a.handleDatagram(Net.addr(1), new byte[1600], net.now);
    MainlineStats s = a.stats();
    assertEquals(4, s.dropped(MainlineDrop.UNSOLICITED));
    assertEquals(1, s.dropped(MainlineDrop.MALFORMED_KRPC));
    assertEquals(1, s.dropped(MainlineDrop.MALFORMED_BENCODE));
    assertEquals(1, s.dropped(MainlineDrop.OVERSIZED));
    assertEquals(0, s.responses());
    a.handleDatagram(Net.addr(1), answer, net.now); // the real answer still counts
    assertEquals(1, a.stats().responses());
  }

  @Test
  void queriesAreAnsweredWithNodesAndTokensAndStoresRefused() {
    storingNodes(20);
    MainlineEngine a = bootstrapped(200, MainlineConfig.defaults());
    // A node that answered us (it is in the table) gets the k = 8 closest.
    InetSocketAddress proven = a.closest(a.id(), 1).get(0).address();
    byte[] query = Krpc.query(new byte[] {1, 1}, "get_peers",
        Bencode.dict().put("id", new byte[20]).put("info_hash", IH).build(), false);
    a.handleDatagram(proven, query, net.now);
    KrpcMessage.Response r = assertInstanceOf(KrpcMessage.Response.class,
        ((Krpc.Decoded.Ok) Krpc.decode(a.pollTransmit().payload())).message());
    assertEquals(8 * Compact.NODE_BYTES, r.body().bytes("nodes").length);
    // A stranger gets as many as fit in the size of its query (none for this bare 82-byte query), and a token.
    InetSocketAddress asker = Net.addr(250);
    a.handleDatagram(asker, query, net.now);
    byte[] answer = a.pollTransmit().payload();
    assertTrue(answer.length <= query.length, answer.length + " > " + query.length);
    r = assertInstanceOf(KrpcMessage.Response.class, ((Krpc.Decoded.Ok) Krpc.decode(answer)).message());
    assertTrue(r.body().bytes("nodes").length < 8 * Compact.NODE_BYTES);
    assertNotNull(r.body().bytes("token"));
    assertEquals(asker, r.observed());
    a.handleDatagram(asker, Krpc.query(new byte[] {1, 2}, "announce_peer",
        Bencode.dict().put("id", new byte[20]).put("info_hash", IH).put("port", 1).put("token", "x").build(), false), net.now);
    KrpcMessage.Error err = assertInstanceOf(KrpcMessage.Error.class,
        ((Krpc.Decoded.Ok) Krpc.decode(a.pollTransmit().payload())).message());
    assertEquals(Krpc.METHOD_UNKNOWN, err.code());
  }

  @Test
  void noAnswerToAStrangerIsLargerThanItsQuery() {
    storingNodes(20);
    MainlineEngine a = bootstrapped(200, MainlineConfig.defaults());
    List<byte[]> queries = List.of(
        Krpc.query(new byte[] {2, 1}, "ping", Bencode.dict().put("id", new byte[20]).build(), false),
        Krpc.query(new byte[] {2, 2}, "find_node", Bencode.dict().put("id", new byte[20]).put("target", IH).build(), false),
        Krpc.query(new byte[] {2, 3}, "get", Bencode.dict().put("id", new byte[20]).put("target", IH).build(), false),
        Krpc.query(new byte[] {2, 4}, "get_peers", Bencode.dict().put("id", new byte[20]).put("info_hash", IH).build(), false),
        Krpc.query(new byte[] {2, 5}, "put", Bencode.dict().put("id", new byte[20]).put("v", "x").build(), false),
        Krpc.query(new byte[] {2, 6}, "vote", Bencode.dict().put("id", new byte[20]).build(), false),
        Krpc.query(new byte[] {2, 7}, "find_node", Bencode.dict().put("id", new byte[20]).put("target", "short").build(), false),
        Krpc.query(new byte[] {2, 8}, "ping", Bencode.dict().put("x", 1).build(), false));
    int i = 0;
    for (byte[] q : queries) {
      InetSocketAddress stranger = Net.addr(220 + i++);
      a.handleDatagram(stranger, q, net.now);
      for (Transmit t; (t = a.pollTransmit()) != null; ) {
        assertEquals(stranger, t.to());
        assertTrue(t.payload().length <= q.length, "answer " + t.payload().length + " to a " + q.length
            + "-byte " + new String(q, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
  }

  @Test
  void lookupsStayWithinTheirBudgetsAndNeverFloodOneNode() {
    storingNodes(250);
    MainlineConfig c = MainlineConfig.defaults();
    MainlineEngine a = bootstrapped(251, c);
    for (int i = 0; i < 6; i++) { // two more than may run at once
      a.getPeers(MainlineIds.random(random), 0, net.now);
    }
    net.drain(a);
    assertEquals(2, net.events.get(a).stream().filter(e -> e instanceof MainlineEvent.Refused).count());
    net.runUntil(net.now + 30_000);
    for (MainlineEvent e : net.events.get(a)) {
      if (e instanceof MainlineEvent.PeersFound p) {
        assertTrue(p.queries() <= c.maxQueriesPerLookup());
      }
    }
    List<Net.Packet> sent = net.sentBy(Net.addr(251));
    Map<InetSocketAddress, Integer> perNode = new HashMap<>();
    for (int i = 0; i < sent.size(); i++) {
      perNode.merge(sent.get(i).to(), 1, Integer::sum);
      int inSecond = 0;
      for (int j = i; j < sent.size() && sent.get(j).at() - sent.get(i).at() < 1000; j++) {
        inSecond++;
      }
      assertTrue(inSecond <= 2 * c.queriesPerSecond(), "burst " + inSecond);
    }
    assertTrue(perNode.values().stream().allMatch(n -> n < 10), "per node " + perNode.values());
    assertTrue(!perNode.containsKey(Net.addr(251)), "never queries itself, though others name it");
  }

  @Test
  void twoAgreeingResponsersGiveABep42Id() throws Exception {
    InetSocketAddress self = new InetSocketAddress("124.31.75.21", 6881);
    for (int i = 1; i <= 3; i++) {
      net.node(Net.addr(i), new StoringNode(MainlineIds.random(random)));
    }
    net.meshNodes();
    MainlineEngine e = net.engine(self, new MainlineEngine(MainlineConfig.defaults(), random.split()));
    e.bootstrap(List.of(Net.addr(1)), net.now);
    net.drain(e);
    net.runUntil(net.now + 5_000);
    MainlineEvent.IdChanged changed = net.last(e, MainlineEvent.IdChanged.class);
    assertNotNull(changed);
    assertArrayEquals(e.id(), changed.id());
    assertTrue(MainlineIds.isBep42(e.id(), self.getAddress().getAddress()));
  }
}
