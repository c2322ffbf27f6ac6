package dev.wormholes.node.it;

import static dev.wormholes.node.it.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.mainline.MutableItem;
import dev.wormholes.node.mainline.PresenceItem;
import dev.wormholes.proto.wire.Presence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Wormholes through BitTorrent's mainline DHT, against libtorrent ({@link LibtorrentDht}, 8
 * sessions) in the cluster's loopback-only namespace: daemons with no {@code --bootstrap} and no
 * LAN discovery, only {@code --mainline-router} to two of the sessions. Prints the figures: time
 * from start to the first Wormholes peer, and mainline queries sent until then.
 */
class MainlineLibtorrentTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);
  private static final HexFormat HEX = HexFormat.of();

  @RegisterExtension final ClusterExtension it = new ClusterExtension();

  private static String[] routers(LibtorrentDht lt) {
    List<String> args = new ArrayList<>();
    for (String r : lt.routers().subList(0, 2)) {
      args.add("--mainline-router");
      args.add(r);
    }
    return args.toArray(String[]::new);
  }

  private static JsonObject mainline(Cluster c, NodeProcess n) {
    return c.cli(n, "status", "--json").ok().json().getAsJsonObject("mainline");
  }

  private static long num(JsonObject o, String key) {
    return o.get(key).getAsLong();
  }

  // Start a, wait for its announce, start b: b's first Wormholes peer comes from mainline.
  private static NodeProcess[] joinTwo(Cluster c, LibtorrentDht lt, int portA, int portB) {
    NodeProcess a = c.startWith("a", portA, routers(lt)).awaitReady();
    eventually("a announces itself in mainline", WITHIN, () -> c.cli(a, "status", "--json"),
        r -> r.exit() == 0 && num(r.json().getAsJsonObject("mainline"), "announcedTo") > 0);
    long t0 = System.nanoTime();
    NodeProcess b = c.startWith("b", portB, routers(lt)).awaitReady();
    String aId = c.cli(a, "id").ok().out().strip();
    eventually("b has a as an overlay peer", WITHIN, () -> c.cli(b, "peers", "--json"),
        r -> r.exit() == 0 && r.out().contains(aId));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    JsonObject bm = mainline(c, b);
    System.out.printf("[mainline] b: process start to first Wormholes peer %d ms (daemon: %d ms after its mainline agent"
        + " started); mainline queries sent until then: %d; mainline nodes %d%n",
        ms, num(bm, "firstPeerMs"), num(bm, "queriesAtFirstPeer"), num(bm, "nodes"));
    assertTrue(num(bm, "firstPeerMs") >= 0 && num(bm, "queriesAtFirstPeer") > 0, bm.toString());
    assertTrue(num(bm, "queriesAtFirstPeer") <= 64, "a bootstrap stays within its budget: " + bm);
    return new NodeProcess[] {a, b};
  }

  @Test
  void twoDaemonsFindEachOtherThroughMainlineAndLibtorrentReadsTheirRecords() throws Exception {
    Cluster c = it.cluster();
    try (LibtorrentDht lt = LibtorrentDht.start(c, 8)) {
      NodeProcess[] ab = joinTwo(c, lt, 7211, 7212);
      NodeProcess a = ab[0];
      NodeProcess b = ab[1];
      String aId = c.cli(a, "id").ok().out().strip();
      String bId = c.cli(b, "id").ok().out().strip();
      JsonObject found = c.cli(b, "lookup", aId, "--json").ok().json();
      assertEquals("overlay", found.get("source").getAsString());
      assertTrue(found.toString().contains("127.0.0.1:7211"), found.toString());
      eventually("a looks up b", WITHIN, () -> c.cli(a, "lookup", bId, "--json"), r -> r.exit() == 0);

      // status shows what a publishes: the info-hash, its public key, the salt.
      JsonObject am = mainline(c, a);
      String aKey = c.cli(a, "id", "--json").ok().json().get("publicKey").getAsString();
      assertEquals(HEX.formatHex(PresenceItem.INFO_HASH), am.get("infoHash").getAsString());
      assertEquals("70eab84ac333f0e68325bfd4df5595a2def60bb2", am.get("infoHash").getAsString(), "SHA-1 of wormholes:public:v1");
      assertEquals(aKey, am.get("publicKey").getAsString());
      assertEquals("wormholes:public:v1:presence", am.get("salt").getAsString());

      // libtorrent sees both announced at their Wormholes ports.
      String peers = lt.command("peers " + HEX.formatHex(PresenceItem.INFO_HASH));
      assertTrue(peers.contains("127.0.0.1:7211") && peers.contains("127.0.0.1:7212"), peers);

      // libtorrent fetches a's BEP 44 item by public key and salt: it stored and serves it, so it
      // accepted the signature; we check it again and read the record.
      eventually("a's record is stored in mainline", WITHIN, () -> c.cli(a, "status", "--json"),
          r -> num(r.json().getAsJsonObject("mainline"), "publishedSeq") >= 1
              && num(r.json().getAsJsonObject("mainline"), "storedTo") > 0);
      String[] item = lt.command("get " + aKey + " wormholes:public:v1:presence").split(" ");
      assertEquals("ITEM", item[0], String.join(" ", item));
      byte[] pk = HEX.parseHex(aKey);
      MutableItem m = new MutableItem(pk, PresenceItem.SALT, Long.parseLong(item[1]), HEX.parseHex(item[2]),
          HEX.parseHex(item[3]));
      assertTrue(m.verify(), "libtorrent's copy carries a valid BEP 44 signature");
      Presence p = PresenceItem.read(m, pk, System.currentTimeMillis()).orElseThrow();
      assertTrue(p.toString().contains("7211"), p.toString());
    }
  }

  @Test
  void aNodeWhoseOverlayPeersAreAllGoneFindsARecordThroughMainline() throws Exception {
    Cluster c = it.cluster();
    try (LibtorrentDht lt = LibtorrentDht.start(c, 8)) {
      NodeProcess[] ab = joinTwo(c, lt, 7221, 7222);
      NodeProcess a = ab[0];
      String aKey = c.cli(a, "id", "--json").ok().json().get("publicKey").getAsString();
      String aId = c.cli(a, "id").ok().out().strip();
      eventually("a's record is stored in mainline", WITHIN, () -> c.cli(a, "status", "--json"),
          r -> num(r.json().getAsJsonObject("mainline"), "storedTo") > 0);
      assertEquals(0, a.terminate());
      assertEquals(0, ab[1].terminate());

      // c joins later: mainline still names a and b, but neither answers; c has no overlay peer.
      NodeProcess d = c.startWith("c", 7223, routers(lt)).awaitReady();
      eventually("c knows mainline nodes", WITHIN, () -> c.cli(d, "status", "--json"),
          r -> r.exit() == 0 && num(r.json().getAsJsonObject("mainline"), "nodes") > 0);
      CliResult r = eventually("c finds a's record by public key", WITHIN, () -> c.cli(d, "lookup", aKey, "--json"),
          x -> x.exit() == 0);
      assertEquals(0, c.cli(d, "status", "--json").ok().json().get("peers").getAsInt(), "no overlay peers");
      JsonObject rec = r.json();
      assertEquals("mainline", rec.get("source").getAsString());
      assertEquals(aId, rec.get("id").getAsString());
      assertTrue(rec.toString().contains("127.0.0.1:7221"), rec.toString());
      String text = c.cli(d, "lookup", aKey).ok().out();
      assertTrue(text.contains("source    mainline"), text);
      // By node id alone mainline cannot be asked (BEP 44 addresses items by key), and c holds no record of a.
      c.cli(d, "lookup", aId).failsWith(1, "mainline needs the node's public key");
    }
  }
}
