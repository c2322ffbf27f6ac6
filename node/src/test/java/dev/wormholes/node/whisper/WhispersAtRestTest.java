package dev.wormholes.node.whisper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.people.DeviceOrder;
import dev.wormholes.node.people.People;
import dev.wormholes.node.people.PeopleFixtures;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.proto.Identity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Whisper records at rest: the real {@link Whispers} of bob and alice over in-memory stores and a
 * courier that hands bob's signed bytes to alice's {@link Whispers#take}; fake clock. Nothing of a
 * whisper is in the stores in the clear, both sides read their whispers back after a restart, a
 * record stored in the clear by an earlier version loads and is sealed, and a record changed, moved
 * to another key or read with another node's key is left out without failing the start.
 */
class WhispersAtRestTest {
  private static final String TEXT = "meet me at the old mill at nine";
  private final AtomicLong nowMs = new AtomicLong(1_800_000_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final Identity aliceNode = Identity.generate(random);
  private final Identity bobNode = Identity.generate(random);
  private final People alice = people(aliceNode);
  private final People bob = people(bobNode);
  private final MemoryNodeStore aliceStore = new MemoryNodeStore();
  private final MemoryNodeStore bobStore = new MemoryNodeStore();

  private People people(Identity node) {
    return People.open(new MemoryNodeStore(), node, random, () -> nowMs.get() / 1000);
  }

  private Whispers open(MemoryNodeStore store, Identity node, People p) {
    return Whispers.open(store, node, p, nowMs::get, new DeviceOrder(() -> nowMs.get() / 1000));
  }

  // Bob whispers TEXT to alice, delivered.
  private void whisper() throws Exception {
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    try (Whispers a = open(aliceStore, aliceNode, alice); Whispers b = open(bobStore, bobNode, bob)) {
      b.attach((node, message) -> CompletableFuture.completedFuture(a.take(bobNode.id(), message)), 3_600_000);
      JsonObject sent = b.whisper("alice", TEXT).get(30, TimeUnit.SECONDS);
      assertEquals("delivered", sent.get("state").getAsString(), sent.toString());
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return true;
    }
    return false;
  }

  private static void assertSealed(MemoryNodeStore store) {
    Map<String, byte[]> records = store.loadWhispers();
    assertFalse(records.isEmpty());
    byte[] text = TEXT.getBytes(StandardCharsets.UTF_8);
    records.forEach((key, value) -> {
      assertTrue(WhisperVault.isSealed(value), key + " is sealed");
      assertFalse(contains(value, text), key + " holds the text in the clear");
      assertFalse(contains(value, "{\"id\"".getBytes(StandardCharsets.UTF_8)), key + " holds JSON in the clear");
    });
  }

  private static JsonArray box(Whispers w, String which) {
    return w.whispers().getAsJsonArray(which);
  }

  @Test
  void bothSidesKeepTheWhisperSealedAndReadItBackAfterARestart() throws Exception {
    whisper();
    assertSealed(aliceStore);
    assertSealed(bobStore);
    try (Whispers a = open(aliceStore, aliceNode, alice); Whispers b = open(bobStore, bobNode, bob)) {
      assertEquals(TEXT, box(a, "inbox").get(0).getAsJsonObject().get("text").getAsString());
      JsonObject out = box(b, "outbox").get(0).getAsJsonObject();
      assertEquals(TEXT, out.get("text").getAsString());
      assertEquals("delivered", out.get("state").getAsString());
      // The sequence counter came back too: the next whisper is number 2.
      b.attach((node, message) -> CompletableFuture.completedFuture(a.take(bobNode.id(), message)), 3_600_000);
      assertEquals(2, b.whisper("alice", "and bring the map").get(30, TimeUnit.SECONDS).get("seq").getAsLong());
    }
  }

  @Test
  void aRecordStoredInTheClearByAnEarlierVersionLoadsAndIsSealed() throws Exception {
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    byte[] message = WhisperMessage.sign(bobNode, aliceNode.id(), 7, nowMs.get(), TEXT).encoded();
    JsonObject in = new JsonObject(); // as the earlier version wrote an inbox record
    in.addProperty("id", "0123abcd");
    in.addProperty("from", "bob");
    in.addProperty("persona", bob.whoami().get("persona").getAsString());
    in.addProperty("node", bobNode.id().toString());
    in.addProperty("seq", 7);
    in.addProperty("sentAt", "2027-01-15T08:00:00Z");
    in.addProperty("receivedAt", "2027-01-15T08:00:01Z");
    in.addProperty("text", TEXT);
    in.addProperty("message", Base64.getEncoder().encodeToString(message));
    aliceStore.saveWhisper("in/1800000000000/0123abcd", in.toString().getBytes(StandardCharsets.UTF_8));
    aliceStore.saveWhisper("seq", ByteBuffer.allocate(8).putLong(41).array());
    try (Whispers a = open(aliceStore, aliceNode, alice)) {
      assertEquals(TEXT, box(a, "inbox").get(0).getAsJsonObject().get("text").getAsString());
    }
    assertSealed(aliceStore);
    try (Whispers a = open(aliceStore, aliceNode, alice)) {
      assertEquals(TEXT, box(a, "inbox").get(0).getAsJsonObject().get("text").getAsString(), "sealed, it loads again");
      assertEquals(1, box(a, "inbox").size());
      // The counter kept its value through the sealing.
      a.attach((node, m) -> CompletableFuture.failedFuture(new java.io.IOException("offline")), 3_600_000);
      assertEquals(42, a.whisper("bob", "hi").get(30, TimeUnit.SECONDS).get("seq").getAsLong());
    }
  }

  @Test
  void aChangedOrMovedRecordOrAnotherNodesKeyLeavesTheRecordOutAndTheRestLoads() throws Exception {
    whisper();
    Map<String, byte[]> records = aliceStore.loadWhispers();
    String inKey = records.keySet().stream().filter(k -> k.startsWith("in/")).findFirst().orElseThrow();
    byte[] sealed = records.get(inKey);
    // Moved: the same sealed bytes under another inbox key do not open (the key is bound in).
    aliceStore.saveWhisper("in/0000000000001/moved", sealed);
    try (Whispers a = open(aliceStore, aliceNode, alice)) {
      assertEquals(1, box(a, "inbox").size(), "the moved copy is left out");
    }
    // Changed: one bit of the ciphertext flipped.
    byte[] changed = sealed.clone();
    changed[changed.length - 20] ^= 1;
    aliceStore.saveWhisper(inKey, changed);
    try (Whispers a = open(aliceStore, aliceNode, alice)) {
      assertEquals(0, box(a, "inbox").size(), "the changed record is left out");
    }
    assertArrayEquals(changed, aliceStore.loadWhispers().get(inKey), "left as it was, not overwritten");
    // Bob's records read with alice's key: nothing opens, the start does not fail.
    try (Whispers b = open(bobStore, aliceNode, alice)) {
      assertEquals(0, box(b, "outbox").size());
    }
  }
}
