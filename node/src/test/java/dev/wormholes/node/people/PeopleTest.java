package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.socks.WhAddress;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.people.Invite;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The daemon side of people without sockets: two personas, the handshake driven by hand, a fake clock. */
class PeopleTest {
  private final AtomicLong now = new AtomicLong(1_800_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final MemoryNodeStore aliceStore = new MemoryNodeStore();
  private final Identity aliceNode = Identity.generate(random);
  private final Identity bobNode = Identity.generate(random);
  private final People alice = People.open(aliceStore, aliceNode, random, now::get);
  private final People bob = People.open(new MemoryNodeStore(), bobNode, random, now::get);

  /** Alice invites, bob accepts: the handshake as the stream would carry it. */
  private JsonObject befriend(String aliceCallsBob, String bobCallsAlice) {
    String link = alice.invite(aliceCallsBob, 3600).get("link").getAsString();
    Invite invite = Invite.parse(link).orElseThrow();
    InviteAnswer answer = alice.redeem(InviteHandshake.accept(invite, bob.log(), ""));
    return bob.finishAccept(invite, bob.log(), answer, bobCallsAlice);
  }

  @Test
  void thePersonaIsMadeOnceAndItsRecoveryCodeShownOnce() {
    String persona = alice.whoami().get("persona").getAsString();
    String code = alice.takeRecoveryCode().orElseThrow();
    assertEquals(52 + 12, code.length()); // 13 groups of 4 base32 characters
    assertTrue(alice.takeRecoveryCode().isEmpty());
    People again = People.open(aliceStore, aliceNode, random, now::get);
    assertEquals(persona, again.whoami().get("persona").getAsString());
    assertTrue(again.takeRecoveryCode().isEmpty());
    assertFalse(aliceStore.loadPeople().values().stream()
        .anyMatch(v -> new String(v, java.nio.charset.StandardCharsets.ISO_8859_1).contains(code)));
    assertEquals(aliceNode.id().toString(), alice.whoami().getAsJsonArray("devices").get(0).getAsString());
  }

  @Test
  void anInviteMakesBothSidesAcceptedContactsThatSurviveAReopen() {
    JsonObject c = befriend("bob", "alice");
    assertEquals("alice", c.get("petname").getAsString());
    assertTrue(alice.isAcceptedDevice(bobNode.id()));
    assertTrue(bob.isAcceptedDevice(aliceNode.id()));
    assertEquals(List.of(aliceNode.id()), bob.devicesOf("alice"));
    People reopened = People.open(aliceStore, aliceNode, random, now::get);
    JsonObject bobThere = reopened.contacts().getAsJsonArray("contacts").get(0).getAsJsonObject();
    assertEquals("bob", bobThere.get("petname").getAsString());
    assertEquals("accepted", bobThere.get("state").getAsString());
    assertTrue(reopened.isAcceptedDevice(bobNode.id()));
  }

  @Test
  void replayedAndExpiredInvitesAreRefusedAndCounted() {
    String link = alice.invite("", 60).get("link").getAsString();
    Invite invite = Invite.parse(link).orElseThrow();
    assertTrue(alice.redeem(InviteHandshake.accept(invite, bob.log(), "")).getOk());
    InviteAnswer replay = alice.redeem(InviteHandshake.accept(invite, bob.log(), ""));
    assertFalse(replay.getOk());
    assertTrue(replay.getRefusal().contains("used already"));
    Invite late = Invite.parse(alice.invite("", 60).get("link").getAsString()).orElseThrow();
    now.addAndGet(61);
    assertThrows(ApiException.class, () -> bob.finishAccept(late, bob.log(),
        alice.redeem(InviteHandshake.accept(late, bob.log(), "")), ""));
    JsonObject refused = alice.whoami().getAsJsonObject("refusedInvites");
    assertEquals(1, refused.get("replayed").getAsLong());
    assertEquals(1, refused.get("expired").getAsLong());
  }

  @Test
  void theGateLetsInPublicAllowListedAndAcceptedContactsOnly() {
    NodeId listed = Identity.generate(random).id();
    NodeId stranger = Identity.generate(random).id();
    Exposure restricted = new Exposure(Set.of(listed), stream -> { });
    ApprovalGate gate = alice.gate();
    assertTrue(gate.refusal(stranger, "web", Exposure.open(stream -> { })).isEmpty());
    assertTrue(gate.refusal(listed, "web", restricted).isEmpty());
    Optional<String> no = gate.refusal(bobNode.id(), "web", restricted);
    assertEquals(Optional.of("node " + bobNode.id() + " is not a device of an accepted contact and not on"
        + " the allow-list of 'web'"), no);
    befriend("bob", "alice");
    assertTrue(gate.refusal(bobNode.id(), "web", restricted).isEmpty());
    alice.contact("block", "bob", "");
    assertTrue(gate.refusal(bobNode.id(), "web", restricted).isPresent());
    alice.contact("unblock", "bob", "");
    assertTrue(gate.refusal(bobNode.id(), "web", restricted).isEmpty());
    assertEquals(2, gate.refused());
    assertEquals(2, alice.whoami().getAsJsonObject("refusedStreams").get("refused").getAsLong());
  }

  @Test
  void contactEditsAndPetnameResolution() {
    befriend("bob", "alice");
    bob.contact("rename", "alice", "ally");
    assertTrue(bob.contact("verify", "ally", "").get("verified").getAsBoolean());
    PetnameDialer dialer = new PetnameDialer((node, service) -> CompletableFuture.failedFuture(
        new IllegalStateException("no network here")), bob, new DeviceOrder());
    assertEquals(Optional.of(new WhAddress("web", aliceNode.id())), dialer.resolve("web.ally.wh"));
    assertTrue(dialer.resolve("web.alice.wh").isEmpty());
    String persona = alice.whoami().get("persona").getAsString();
    assertEquals(Optional.of(new WhAddress("web", aliceNode.id())), dialer.resolve("web." + persona + ".wh"));
    assertEquals(Optional.of(new WhAddress("ssh", bobNode.id())), dialer.resolve("ssh." + bobNode.id() + ".wh"));
    ApiException e = assertThrows(ApiException.class, () -> bob.contact("rename", "nobody", "x"));
    assertEquals(404, e.status());
    assertThrows(ApiException.class, () -> bob.contact("frobnicate", "ally", ""));
    bob.contact("remove", "ally", "");
    assertTrue(bob.devicesOf("ally").isEmpty());
    assertFalse(bob.isAcceptedDevice(aliceNode.id()));
  }

  @Test
  void signedMessagesNameTheSignerAsAContact() {
    String armored = alice.sign("hello, bob\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .get("armored").getAsString();
    JsonObject stranger = bob.verify(armored);
    assertTrue(stranger.get("valid").getAsBoolean());
    assertFalse(stranger.has("contact"));
    assertEquals(alice.whoami().get("persona").getAsString(), stranger.get("persona").getAsString());
    befriend("bob", "alice");
    JsonObject friend = bob.verify("Hi Bob,\n\n    " + armored.replace("\n", "\n    ") + "\nAlice\n");
    assertEquals("alice", friend.get("contact").getAsString());
    assertEquals("accepted", friend.get("contactState").getAsString());
    assertEquals("hello, bob\n", friend.get("message").getAsString());
    assertTrue(alice.verify(armored).get("self").getAsBoolean());
    JsonObject forged = bob.verify(armored.replace(armored.substring(60, 70), "AAAAAAAAAA"));
    assertFalse(forged.get("valid").getAsBoolean(), forged.toString());
  }

  @Test
  void strangersPushesAreChargedToTheirSourceBeforeTheLogIsVerified() {
    befriend("bob", "alice");
    Identity carolNode = Identity.generate(random);
    People carol = People.open(new MemoryNodeStore(), carolNode, random, now::get);
    dev.wormholes.people.wire.PersonaRequest carolsLog = dev.wormholes.people.wire.PersonaRequest.newBuilder()
        .setPush(dev.wormholes.people.ContactCodec.wire(carol.log())).build();
    dev.wormholes.people.wire.PersonaRequest garbage = dev.wormholes.people.wire.PersonaRequest.newBuilder()
        .setPush(dev.wormholes.people.wire.KeyLogWire.newBuilder()
            .addEvents(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3}))).build();
    for (int i = 0; i < dev.wormholes.people.Pushes.PER_SOURCE_BURST; i++) {
      assertTrue(alice.answer(carolNode.id(), "198.51.100.7", carolsLog).getOk());
    }
    for (int i = 0; i < 10; i++) { // dropped unread: garbage gets the same answer as a valid log
      assertEquals("too many pushes: try again later",
          alice.answer(carolNode.id(), "198.51.100.7", i % 2 == 0 ? carolsLog : garbage).getRefusal());
    }
    assertEquals(10, alice.status().get("droppedPushes").getAsLong());
    assertEquals("the key log does not verify",
        alice.answer(carolNode.id(), "203.0.113.9", garbage).getRefusal()); // another source has its own budget
    dev.wormholes.people.wire.PersonaRequest bobsLog = dev.wormholes.people.wire.PersonaRequest.newBuilder()
        .setPush(dev.wormholes.people.ContactCodec.wire(bob.log())).build();
    for (int i = 0; i < 20; i++) { // a contact's device is never charged
      assertTrue(alice.answer(bobNode.id(), "198.51.100.7", bobsLog).getOk());
    }
    now.addAndGet(dev.wormholes.people.Pushes.PER_SOURCE_SECONDS);
    assertTrue(alice.answer(carolNode.id(), "198.51.100.7", carolsLog).getOk());
    assertEquals(10, alice.whoami().get("droppedPushes").getAsLong());
  }
}
