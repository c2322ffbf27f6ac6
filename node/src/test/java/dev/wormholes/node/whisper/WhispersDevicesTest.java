package dev.wormholes.node.whisper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.people.DeviceOrder;
import dev.wormholes.node.people.People;
import dev.wormholes.node.people.PetnameDialer;
import dev.wormholes.node.socks.WhAddress;
import dev.wormholes.node.people.PeopleFixtures;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.people.DeviceChoice;
import dev.wormholes.people.WhisperOutbox;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A whisper to a person reaches whichever of the person's devices answers: the real {@link
 * Whispers} of bob and of alice's two devices (her first node and her laptop), with a fake network
 * layer between them (a {@link Whispers.Courier} that hands the signed bytes to the recipient's
 * {@link Whispers#take} as bob's proven stream peer, or fails for a device that is down); fake clock.
 */
class WhispersDevicesTest {
  private final AtomicLong nowMs = new AtomicLong(1_800_000_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final Identity aliceNode = Identity.generate(random);
  private final Identity laptopNode = Identity.generate(random);
  private final Identity bobNode = Identity.generate(random);
  private final People alice = people(aliceNode);
  private final People laptop = people(laptopNode);
  private final People bob = people(bobNode);
  private final Whispers aliceWhispers = Whispers.open(new MemoryNodeStore(), aliceNode, alice, nowMs::get, order());
  private final Whispers laptopWhispers = Whispers.open(new MemoryNodeStore(), laptopNode, laptop, nowMs::get, order());
  private final DeviceOrder bobOrder = order(); // bob's node's one device order
  private final Whispers bobWhispers = Whispers.open(new MemoryNodeStore(), bobNode, bob, nowMs::get, bobOrder);
  private final Map<NodeId, Whispers> network = Map.of(aliceNode.id(), aliceWhispers, laptopNode.id(), laptopWhispers);
  private final Set<NodeId> down = new HashSet<>();
  private final List<NodeId> dialled = new ArrayList<>();

  private DeviceOrder order() {
    return new DeviceOrder(() -> nowMs.get() / 1000);
  }

  private People people(Identity node) {
    return People.open(new MemoryNodeStore(), node, random, () -> nowMs.get() / 1000);
  }

  // Bob's outbox is polled every tickMs (its first attempt is the caller's only if the poll does not take it first).
  private void start(long tickMs) {
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    PeopleFixtures.pair(alice, laptop, laptopNode); // the laptop takes alice's contacts along
    PeopleFixtures.push(laptop, bob);
    bobWhispers.attach(courier(bobNode.id()), tickMs);
  }

  // The network as `from` sees it: alice's devices, those in `down` not answering.
  private Whispers.Courier courier(NodeId from) {
    return (node, message) -> {
      synchronized (dialled) {
        dialled.add(node);
      }
      return down.contains(node) ? CompletableFuture.failedFuture(new IOException("no answer"))
          : CompletableFuture.completedFuture(network.get(node).take(from, message));
    };
  }

  @AfterEach
  void stop() {
    for (Whispers w : List.of(aliceWhispers, laptopWhispers, bobWhispers)) {
      w.close();
    }
  }

  private JsonObject send(String to, String text) throws Exception {
    return bobWhispers.whisper(to, text).get(30, TimeUnit.SECONDS);
  }

  private static JsonArray inbox(Whispers w) {
    return w.whispers().getAsJsonArray("inbox");
  }

  private List<NodeId> dialled() {
    synchronized (dialled) {
      List<NodeId> d = List.copyOf(dialled);
      dialled.clear();
      return d;
    }
  }

  @Test
  void theFirstDeviceDownTheWhisperIsDeliveredToTheSecondAndItIsTriedFirstFromThenOn() throws Exception {
    start(3_600_000);
    down.add(aliceNode.id());
    JsonObject sent = send("alice", "hello whichever alice");
    assertEquals("delivered", sent.get("state").getAsString(), sent.toString());
    assertEquals(laptopNode.id().toString(), sent.get("deliveredTo").getAsString());
    assertEquals(1, sent.get("attempts").getAsInt(), "both devices in one attempt");
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), dialled());
    assertEquals("hello whichever alice", inbox(laptopWhispers).get(0).getAsJsonObject().get("text").getAsString());
    assertEquals("bob", inbox(laptopWhispers).get(0).getAsJsonObject().get("from").getAsString());
    assertEquals(0, inbox(aliceWhispers).size());
    // The laptop answered last: tried first, by petname and by persona id.
    String persona = alice.whoami().get("persona").getAsString();
    assertEquals("delivered", send(persona, "again").get("state").getAsString());
    assertEquals(List.of(laptopNode.id()), dialled());
    assertEquals(2, inbox(laptopWhispers).size());
  }

  @Test
  void everyDeviceDownTheWhisperWaitsAndTheRetryFindsTheOneThatCameBack() throws Exception {
    start(20);
    down.addAll(List.of(aliceNode.id(), laptopNode.id()));
    send("alice", "are you there");
    await().atMost(Duration.ofSeconds(20)).until(() -> outbox().get("attempts").getAsInt() == 1);
    List<NodeId> tried = dialled();
    assertEquals(Set.of(aliceNode.id(), laptopNode.id()), Set.copyOf(tried), "each device once: " + tried);
    assertEquals(2, tried.size(), tried.toString());
    assertEquals("queued", outbox().get("state").getAsString());
    down.remove(aliceNode.id());
    nowMs.addAndGet(WhisperOutbox.RETRY_FIRST_MS);
    await().atMost(Duration.ofSeconds(20)).until(() -> outbox().get("state").getAsString().equals("delivered"));
    JsonObject out = outbox();
    assertEquals(aliceNode.id().toString(), out.get("deliveredTo").getAsString());
    assertEquals(2, out.get("attempts").getAsInt(), "the outbox's schedule counts attempts, not devices");
    assertEquals(1, inbox(aliceWhispers).size());
    assertEquals(0, inbox(laptopWhispers).size());
  }

  @Test
  void aDeviceThatDoesNotKnowTheSenderDoesNotRefuseTheWhisperForThePerson() throws Exception {
    start(20);
    // Carol became alice's contact on alice's first node after the laptop was paired: the laptop
    // does not know her.
    Identity carolNode = Identity.generate(random);
    People carol = people(carolNode);
    PeopleFixtures.befriend(alice, "carol", carol, "alice");
    PeopleFixtures.push(laptop, carol);
    try (Whispers carolWhispers = Whispers.open(new MemoryNodeStore(), carolNode, carol, nowMs::get, order())) {
      carolWhispers.attach(courier(carolNode.id()), 20);
      down.add(aliceNode.id());
      carolWhispers.whisper("alice", "it is carol");
      await().atMost(Duration.ofSeconds(20)).until(() -> outbox(carolWhispers).get("attempts").getAsInt() == 1);
      assertEquals("queued", outbox(carolWhispers).get("state").getAsString(), outbox(carolWhispers).toString());
      assertEquals(1L, laptopWhispers.refused().get("not_contact"));
      down.clear();
      nowMs.addAndGet(WhisperOutbox.RETRY_FIRST_MS);
      await().atMost(Duration.ofSeconds(20)).until(() -> outbox(carolWhispers).get("state").getAsString()
          .equals("delivered"));
      assertEquals(aliceNode.id().toString(), outbox(carolWhispers).get("deliveredTo").getAsString());
      assertEquals("carol", inbox(aliceWhispers).get(0).getAsJsonObject().get("from").getAsString());
    }
  }

  private JsonObject outbox() {
    return outbox(bobWhispers);
  }

  private static JsonObject outbox(Whispers w) {
    return w.whispers().getAsJsonArray("outbox").get(0).getAsJsonObject();
  }

  @Test
  void aDeviceThatFailedOnOnePathGoesLastOnTheOther() throws Exception {
    start(3_600_000);
    // Bob's SOCKS proxy dials alice by name while her first node is down: the laptop answers.
    PetnameDialer socks = new PetnameDialer((node, service) -> {
      synchronized (dialled) {
        dialled.add(node);
      }
      return down.contains(node) ? CompletableFuture.failedFuture(new IOException("no answer"))
          : CompletableFuture.completedFuture(null);
    }, bob, bobOrder);
    down.add(aliceNode.id());
    socks.dial("web.alice.wh", new WhAddress("web", aliceNode.id())).join();
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), dialled());
    // A whisper to alice tries the laptop first, without dialling the failed node.
    assertEquals("delivered", send("alice", "seen from the proxy").get("state").getAsString());
    assertEquals(List.of(laptopNode.id()), dialled());
    // The other way: the laptop fails a whisper; the proxy puts it last.
    nowMs.addAndGet(DeviceChoice.FAILED_FOR_SECONDS * 1000);
    down.clear();
    down.add(laptopNode.id());
    assertEquals("delivered", send("alice", "seen from the whisper").get("state").getAsString());
    assertEquals(List.of(laptopNode.id(), aliceNode.id()), dialled());
    assertEquals(new WhAddress("web", aliceNode.id()), socks.resolve("web.alice.wh").orElseThrow());
  }

  @Test
  void aWhisperToANodeIdGoesToThatNodeAlone() throws Exception {
    start(3_600_000);
    down.add(aliceNode.id());
    JsonObject sent = send(aliceNode.id().toString(), "just this machine");
    assertEquals("queued", sent.get("state").getAsString(), sent.toString());
    assertEquals(List.of(aliceNode.id()), dialled());
    assertTrue(sent.get("reason").getAsString().startsWith("unreachable"), sent.toString());
  }
}
