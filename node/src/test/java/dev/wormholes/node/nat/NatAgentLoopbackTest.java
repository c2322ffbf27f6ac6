package dev.wormholes.node.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.wormholes.dht.Contact;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.node.PunchedPath;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * In-process nodes on 127.0.x.y (streams on, port mapping off, LAN discovery off): the NAT agent
 * makes a node public when peers see it at its bound endpoint, registers with rendezvous peers
 * and lists them as introducers in its presence record, and punches a path through a third node
 * that QUIC then connects over.
 */
class NatAgentLoopbackTest {
  private final List<WormholesNode> open = new ArrayList<>();

  @AfterEach
  void close() {
    open.forEach(WormholesNode::close);
  }

  private WormholesNode node(String ip, InetSocketAddress seed, boolean registerWhenPublic) {
    return node(ip, seed, registerWhenPublic, null);
  }

  private WormholesNode node(String ip, InetSocketAddress seed, boolean registerWhenPublic, InetSocketAddress api) {
    NodeConfig.Builder c = NodeConfig.builder().inMemory(true).api(api).socks(null)
        .listen(new InetSocketAddress(ip, 0)).lanDiscovery(false).streams(true)
        .registerWhenPublic(registerWhenPublic);
    if (seed != null) {
      c.bootstrap(seed);
    }
    WormholesNode n = WormholesNode.start(c.build());
    open.add(n);
    return n;
  }

  private static NatAgent nat(WormholesNode n) {
    return n.streams().nat();
  }

  @Test
  void aNodeSeenAtItsBoundEndpointIsPublicAndServes() throws Exception {
    WormholesNode a = node("127.0.7.1", null, false, new InetSocketAddress("127.0.0.1", 0));
    // Reporters in two /16 networks: the record's OBSERVED endpoint needs two networks.
    node("127.1.7.2", a.udpAddress(), false);
    node("127.2.7.3", a.udpAddress(), false);
    await().atMost(Duration.ofSeconds(20)).until(() -> nat(a).isPublic());
    NatStatus s = nat(a).status().get(5, TimeUnit.SECONDS);
    assertEquals(NatBehaviour.NONE, s.report().mapping());
    assertTrue(s.report().observations() >= 2, "observations " + s.report().observations());
    assertTrue(s.serving());
    assertTrue(s.publicEndpoints().stream().anyMatch(e -> e.endpoint().equals(a.udpAddress())), s.toString());
    assertTrue(s.rendezvous().isEmpty(), "public: no registration needed");
    assertNull(s.portMapping());

    // Observe answers count towards the record's OBSERVED endpoint (the DHT reports one a minute).
    await().atMost(Duration.ofSeconds(15)).until(() -> presence(a), p -> p != null && p.getEndpointsList().stream()
        .anyMatch(e -> e.getKind() == dev.wormholes.proto.wire.EndpointKind.ENDPOINT_OBSERVED));

    JsonObject nat = statusJson(a).getAsJsonObject("nat");
    assertEquals("none", nat.get("mapping").getAsString());
    assertEquals("none", nat.get("filtering").getAsString(), "no NAT, no NAT filtering");
    assertTrue(nat.get("hairpinning").isJsonNull());
    assertTrue(nat.get("port_mapping").isJsonNull());
    assertEquals(30, nat.get("lifetime_s").getAsInt());
    assertTrue(nat.get("port_preserving").getAsBoolean());
    assertEquals(0, nat.getAsJsonArray("rendezvous").size());
    JsonObject first = nat.getAsJsonArray("public_endpoints").get(0).getAsJsonObject();
    assertTrue(first.has("address") && first.has("confidence"), first.toString());
    assertEquals(0, nat.getAsJsonObject("serving").get("registrations").getAsInt());
    assertEquals(0, nat.getAsJsonObject("serving").get("relay_circuits").getAsInt());
    assertTrue(nat.getAsJsonObject("refused").has("bad_signature"), nat.toString());
  }

  private static JsonObject statusJson(WormholesNode n) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + n.apiAddress().getPort() + "/v1/status"))
        .header("Authorization", "Bearer " + n.apiToken()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void registeredIntroducersAppearInThePresenceRecordAndAPunchYieldsAPathQuicConnectsTo() throws Exception {
    WormholesNode a = node("127.0.8.1", null, false);
    WormholesNode c = node("127.0.8.3", a.udpAddress(), false);
    WormholesNode b = node("127.0.8.2", a.udpAddress(), true, new InetSocketAddress("127.0.0.1", 0));
    await().atMost(Duration.ofSeconds(30)).until(() -> nat(b).rendezvous().size() == 2);
    assertEquals(java.util.Set.of(a.id(), c.id()),
        java.util.Set.copyOf(nat(b).rendezvous().stream().map(Contact::id).toList()));
    assertEquals(java.util.Optional.of(b.udpAddress()), nat(a).registered(b.id()));
    assertEquals(java.util.Optional.of(b.udpAddress()), nat(c).registered(b.id()));
    // B's filtering test through a rendezvous: on loopback every dial-back arrives.
    await().atMost(Duration.ofSeconds(10)).until(() -> "endpoint-independent".equals(
        statusJson(b).getAsJsonObject("nat").get("filtering").getAsString()));
    com.google.gson.JsonArray rv = statusJson(b).getAsJsonObject("nat").getAsJsonArray("rendezvous");
    assertEquals(2, rv.size(), rv.toString());
    assertTrue(rv.toString().contains(c.id().toString()) && rv.toString().contains("127.0.8.3:"), rv.toString());

    Presence record = await().atMost(Duration.ofSeconds(20)).until(() -> presence(b),
        p -> p != null && p.getIntroducersCount() == 2 && p.hasNat());
    assertEquals(dev.wormholes.proto.wire.NatBehaviour.NAT_NONE, record.getNat().getMapping());
    List<NodeId> introducerIds = new ArrayList<>();
    record.getIntroducersList().forEach(x -> introducerIds.add(NodeId.of(x.getId().toByteArray())));
    assertEquals(java.util.Set.of(a.id(), c.id()), java.util.Set.copyOf(introducerIds));

    // A punches B: its own registration at B's introducers is not needed, one is made on the way.
    PunchedPath path = nat(a).punch(b.id(), record).get(15, TimeUnit.SECONDS);
    assertEquals(b.udpAddress(), path.endpoint());
    assertTrue(path.kind() == HolePunch.PathKind.LAN || path.kind() == HolePunch.PathKind.DIRECT, path.toString());
    assertTrue(path.probesSent() > 0, path.toString());
    a.streams().transport().reach(path.endpoint(), b.id()).get(10, TimeUnit.SECONDS);
    assertTrue(a.streams().transport().connected(path.endpoint(), b.id()));
    NatStatus cs = nat(c).status().get(5, TimeUnit.SECONDS);
    assertTrue(cs.registrations() >= 2, "B, and A on its way to punch: " + cs.registrations());
  }

  @Test
  void aPunchToANodeWithoutIntroducersFailsWithAReason() {
    WormholesNode a = node("127.0.9.1", null, false);
    NodeId nobody = Identity.generate(new java.util.SplittableRandom(7)).id();
    var f = nat(a).punch(nobody, Presence.getDefaultInstance());
    var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertInstanceOf(PunchFailedException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("no introducer"), e.getCause().getMessage());
  }

  private static Presence presence(WormholesNode n) throws Exception {
    StoredValue v = n.runtime().presence().get(5, TimeUnit.SECONDS).current();
    return v == null ? null : DhtValues.parsePresence(v).orElse(null);
  }
}
