package dev.wormholes.node.whisper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.people.DeviceOrder;
import dev.wormholes.node.people.People;
import dev.wormholes.node.people.PeopleFixtures;
import dev.wormholes.node.people.WhisperSeal;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.people.Mailbox;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.WhisperOutbox;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Offline delivery through a mailbox friend, three nodes in one process: alice names carol as her
 * mailbox; bob whispers alice while alice is down; bob's outbox deposits the whisper, sealed to
 * alice, with carol; bob goes down too; alice comes back and fetches it from carol, exactly once,
 * also once bob's retry reaches her. The real {@link Whispers} and {@link Mailboxes} of each, with
 * a fake network between them (each node's proven identity handed to the other side, nodes in
 * {@code down} not answering); fake clock.
 */
class MailboxesTest {
  private final AtomicLong nowMs = new AtomicLong(1_800_000_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final Identity aliceNode = Identity.generate(random);
  private final Identity bobNode = Identity.generate(random);
  private final Identity carolNode = Identity.generate(random);
  private final People alice = people(aliceNode);
  private final People bob = people(bobNode);
  private final People carol = people(carolNode);
  private final MemoryNodeStore carolStore = new MemoryNodeStore();
  private final MemoryNodeStore bobStore = new MemoryNodeStore();
  private final Map<NodeId, Whispers> whispers = new ConcurrentHashMap<>();
  private final Map<NodeId, Mailboxes> boxes = new ConcurrentHashMap<>();
  private final Set<NodeId> down = ConcurrentHashMap.newKeySet();
  private final List<AutoCloseable> open = new ArrayList<>();
  private List<ByteString> alicePublished = List.of();

  private People people(Identity node) {
    return People.open(new MemoryNodeStore(), node, random, () -> nowMs.get() / 1000);
  }

  private DeviceOrder order() {
    return new DeviceOrder(() -> nowMs.get() / 1000);
  }

  // Start `node`'s whispers and mailboxes on `store`, ticking every tickMs.
  private Whispers start(Identity node, People p, MemoryNodeStore store, long tickMs) {
    DeviceOrder order = order();
    Whispers w = Whispers.open(store, node, p, nowMs::get, order);
    Mailboxes m = Mailboxes.open(store, node, p, nowMs::get, order, w::takeFromMailbox);
    w.useMailboxes(m);
    w.attach((to, message) -> down.contains(to) || !whispers.containsKey(to)
        ? CompletableFuture.failedFuture(new IOException("no answer"))
        : CompletableFuture.completedFuture(whispers.get(to).take(node.id(), message)), tickMs);
    m.attach((to, request) -> down.contains(to) || !boxes.containsKey(to)
        ? CompletableFuture.failedFuture(new IOException("no answer"))
        : CompletableFuture.completedFuture(boxes.get(to).answer(node.id(), request)), tickMs);
    whispers.put(node.id(), w);
    boxes.put(node.id(), m);
    open.add(w);
    return w;
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private PersonaId persona(People p) {
    return p.personaOfThisDevice().orElseThrow();
  }

  // The presence record of alice's node as bob and carol read it.
  private Presence aliceRecord() {
    return Presence.newBuilder().setPublicKey(ByteString.copyFrom(aliceNode.publicKey()))
        .setPersona(PersonaHead.newBuilder().setPersona(ByteString.copyFrom(persona(alice).toBytes())))
        .addAllMailboxes(alicePublished).build();
  }

  private void befriendAll() {
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    PeopleFixtures.befriend(alice, "carol", carol, "alice");
    PeopleFixtures.befriend(carol, "bob", bob, "carol");
  }

  private static JsonArray inbox(Whispers w) {
    return w.whispers().getAsJsonArray("inbox");
  }

  private static JsonObject outbox(Whispers w) {
    return w.whispers().getAsJsonArray("outbox").get(0).getAsJsonObject();
  }

  @Test
  void aWhisperToAnOfflinePersonReachesHerOnceThroughHerMailboxFriendAfterTheSenderWentDownToo() throws Exception {
    befriendAll();
    // Alice names carol; her record carries carol's persona id; bob and carol read it.
    MemoryNodeStore aliceStore = new MemoryNodeStore();
    Whispers aliceW = start(aliceNode, alice, aliceStore, 3_600_000);
    boxes.get(aliceNode.id()).publishWith(l -> alicePublished = l);
    JsonObject named = aliceW.mailbox("add", "carol");
    assertEquals("carol", named.getAsJsonArray("mailboxes").get(0).getAsJsonObject().get("name").getAsString());
    assertEquals(List.of(ByteString.copyFrom(persona(carol).toBytes())), alicePublished);
    whispers.remove(aliceNode.id()).close();
    boxes.remove(aliceNode.id());
    down.add(aliceNode.id());
    start(carolNode, carol, carolStore, 3_600_000);
    Whispers bobW = start(bobNode, bob, bobStore, 20);
    boxes.get(carolNode.id()).seen(aliceRecord());
    boxes.get(bobNode.id()).seen(aliceRecord());

    // Bob whispers alice while she is down: after three failed attempts the whisper goes to carol.
    assertEquals("queued", bobW.whisper("alice", "while you were out").get(30, TimeUnit.SECONDS).get("state").getAsString());
    for (int attempt = 2; attempt <= Mailbox.DEPOSIT_AFTER_FAILURES; attempt++) {
      int want = attempt;
      nowMs.addAndGet(WhisperOutbox.RETRY_MAX_MS);
      await().atMost(Duration.ofSeconds(20)).until(() -> outbox(bobW).get("attempts").getAsInt() >= want);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> outbox(bobW).has("mailboxes"));
    assertEquals(persona(carol).toString(), outbox(bobW).getAsJsonArray("mailboxes").get(0).getAsString());
    assertEquals("queued", outbox(bobW).get("state").getAsString(), "still retried directly");
    assertEquals(Map.of(persona(alice), 1), heldByCarol());
    assertEquals(1L, boxes.get(bobNode.id()).events().get("deposited"));

    // Bob goes down; alice comes back and fetches at start.
    whispers.remove(bobNode.id()).close();
    boxes.remove(bobNode.id());
    down.add(bobNode.id());
    down.remove(aliceNode.id());
    Whispers back = start(aliceNode, alice, aliceStore, 3_600_000);
    await().atMost(Duration.ofSeconds(20)).until(() -> inbox(back).size() == 1);
    JsonObject got = inbox(back).get(0).getAsJsonObject();
    assertEquals("while you were out", got.get("text").getAsString());
    assertEquals("bob", got.get("from").getAsString());
    assertEquals("mailbox", got.get("via").getAsString());
    await().atMost(Duration.ofSeconds(20)).until(() -> heldByCarol().isEmpty());

    // Bob comes back: his retry reaches alice, who holds it already: delivered, stored once.
    down.remove(bobNode.id());
    Whispers bobBack = start(bobNode, bob, bobStore, 20);
    nowMs.addAndGet(WhisperOutbox.RETRY_MAX_MS);
    await().atMost(Duration.ofSeconds(20)).until(() -> outbox(bobBack).get("state").getAsString().equals("delivered"));
    assertEquals(1, inbox(back).size());
  }

  private Map<PersonaId, Integer> heldByCarol() {
    JsonObject h = boxes.get(carolNode.id()).status().getAsJsonObject("holding");
    Map<PersonaId, Integer> out = new java.util.HashMap<>();
    h.entrySet().forEach(e -> out.put(PersonaId.parse(e.getKey()).orElseThrow(), e.getValue().getAsInt()));
    return out;
  }

  private static byte[] request(byte op, PersonaId owner, byte[] payload) {
    return ByteBuffer.allocate(33 + payload.length).put(op).put(owner.toBytes()).put(payload).array();
  }

  @Test
  void strangersNonOwnersAndOwnersWhoNamedSomeoneElseAreRefusedAndTheQuotaHolds() {
    befriendAll();
    Identity daveNode = Identity.generate(random);
    start(carolNode, carol, carolStore, 3_600_000);
    Mailboxes carolBoxes = boxes.get(carolNode.id());
    byte[] blob = WhisperSeal.seal(bob, persona(alice), "x".getBytes()).orElseThrow();
    // Alice has not named carol yet.
    assertEquals(Mailbox.Verdict.NOT_NAMED.ordinal(), carolBoxes.answer(bobNode.id(), request(Mailboxes.DEPOSIT, persona(alice), blob))[0]);
    alicePublished = List.of(ByteString.copyFrom(persona(carol).toBytes()));
    carolBoxes.seen(aliceRecord());
    // A stranger (not carol's contact) may not deposit.
    assertEquals(Mailbox.Verdict.NOT_CONTACT.ordinal(), carolBoxes.answer(daveNode.id(), request(Mailboxes.DEPOSIT, persona(alice), blob))[0]);
    // A record naming carol that is not from a device of alice's persona changes nothing.
    Presence forged = aliceRecord().toBuilder().setPublicKey(ByteString.copyFrom(daveNode.publicKey()))
        .setPersona(PersonaHead.newBuilder().setPersona(ByteString.copyFrom(persona(bob).toBytes()))).build();
    carolBoxes.seen(forged);
    assertEquals(Mailbox.Verdict.NOT_NAMED.ordinal(), carolBoxes.answer(bobNode.id(), request(Mailboxes.DEPOSIT, persona(bob), blob))[0]);
    // Bob may, up to the quota; the same blob again is not charged.
    for (int i = 0; i < Mailbox.PER_SENDER; i++) {
      byte[] b = WhisperSeal.seal(bob, persona(alice), ("n" + i).getBytes()).orElseThrow();
      assertEquals(Mailbox.Verdict.STORED.ordinal(), carolBoxes.answer(bobNode.id(), request(Mailboxes.DEPOSIT, persona(alice), b))[0]);
    }
    assertEquals(Mailbox.Verdict.SENDER_FULL.ordinal(), carolBoxes.answer(bobNode.id(), request(Mailboxes.DEPOSIT, persona(alice), blob))[0]);
    // Only a device of alice's persona fetches or acknowledges.
    assertEquals(1, carolBoxes.answer(bobNode.id(), request(Mailboxes.FETCH, persona(alice), new byte[0]))[0]);
    assertEquals(1, carolBoxes.answer(daveNode.id(), request(Mailboxes.ACK, persona(alice), new byte[32]))[0]);
    byte[] fetched = carolBoxes.answer(aliceNode.id(), request(Mailboxes.FETCH, persona(alice), new byte[0]));
    assertEquals(0, fetched[0]);
    assertEquals(Mailbox.FETCH_BATCH, fetched[1] & 0xff);
    Map<String, Long> refused = carolBoxes.refused();
    assertEquals(1L, refused.get("not_contact"));
    assertEquals(2L, refused.get("not_named"));
    assertEquals(1L, refused.get("sender_full"));
    assertEquals(2L, refused.get("not_owner"));
    // Carol restarts: what she holds is still there.
    whispers.remove(carolNode.id()).close();
    start(carolNode, carol, carolStore, 3_600_000);
    assertEquals(Map.of(persona(alice), Mailbox.PER_SENDER), heldByCarol());
    assertEquals(Mailbox.Verdict.HELD.ordinal(), boxes.get(carolNode.id())
        .answer(bobNode.id(), request(Mailboxes.DEPOSIT, persona(alice), fetchedFirst(fetched)))[0],
        "the blob and alice's naming of carol survive the restart");
  }

  // The first blob of a fetch answer.
  private static byte[] fetchedFirst(byte[] answer) {
    ByteBuffer b = ByteBuffer.wrap(answer, 2 + 32, answer.length - 34);
    byte[] blob = new byte[Short.toUnsignedInt(b.getShort())];
    b.get(blob);
    return blob;
  }

  @Test
  void aPersonNamesOneToThreeAcceptedContactsButNotStrangersOrHerself() {
    befriendAll();
    Whispers aliceW = start(aliceNode, alice, new MemoryNodeStore(), 3_600_000);
    ApiException e = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class, () -> aliceW.mailbox("add", "dave"));
    assertEquals(404, e.status());
    aliceW.mailbox("add", "bob");
    aliceW.mailbox("add", "carol");
    aliceW.mailbox("add", "carol");
    assertEquals(2, aliceW.mailbox("list", null).getAsJsonArray("mailboxes").size());
    aliceW.mailbox("remove", persona(bob).toString());
    assertEquals(1, aliceW.mailbox("list", null).getAsJsonArray("mailboxes").size());
    assertEquals(404, org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
        () -> aliceW.mailbox("add", persona(alice).toString())).status(), "not herself: she is no contact of hers");
    assertFalse(aliceW.mailbox("list", null).toString().contains(persona(bob).toString()));
    assertTrue(aliceW.mailbox("list", null).toString().contains(persona(carol).toString()));
  }
}
