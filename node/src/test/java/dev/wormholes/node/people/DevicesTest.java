package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.socks.CircuitStream;
import dev.wormholes.node.socks.StreamDialer;
import dev.wormholes.node.socks.WhAddress;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.people.DeviceInvite;
import dev.wormholes.people.Events;
import dev.wormholes.people.InviteHandshake;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.LogItems;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Devices, rotation, revocation, alarms and head queries without sockets: what the streams would
 * carry is handed from one {@link People} to another by hand; fake clock.
 */
class DevicesTest {
  private final AtomicLong now = new AtomicLong(1_800_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final Identity aliceNode = Identity.generate(random);
  private final Identity laptopNode = Identity.generate(random);
  private final Identity bobNode = Identity.generate(random);
  private final People alice = People.open(new MemoryNodeStore(), aliceNode, random, now::get);
  private final MemoryNodeStore laptopStore = new MemoryNodeStore();
  private final People laptop = People.open(laptopStore, laptopNode, random, now::get);
  private final People bob = People.open(new MemoryNodeStore(), bobNode, random, now::get);

  private void befriendBob() {
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
  }

  private InviteAccept deviceAccept(DeviceInvite d, Identity node) {
    return InviteHandshake.accept(d.invite(), laptop.log(), "").toBuilder()
        .setDevice(Events.device(node, d.signingKey())).build();
  }

  /** Pair the laptop to alice's persona. */
  private void pair() {
    PeopleFixtures.pair(alice, laptop, laptopNode);
  }

  /** Bob and alice contacts, the laptop paired to alice, and bob holding the log with both devices. */
  private void bobKnowsBothDevices() {
    befriendBob();
    pair();
    bob.observe(laptop.log(), "push");
  }

  /**
   * Alice and her paired laptop publishing their logs to {@code dht} (no streams); return a
   * stranger's (bob's, no contact) syncer on it.
   */
  private LogSync pairPublishingTo(PeopleFixtures.MapDht dht) {
    StreamDialer nobody = (node, service) -> CompletableFuture.failedFuture(new IOException("no streams here"));
    alice.attachSync(new LogSync(alice, dht.of(aliceNode), nobody, aliceNode, 60));
    laptop.attachSync(new LogSync(laptop, dht.of(laptopNode), nobody, laptopNode, 60));
    LogSync stranger = new LogSync(bob, dht.of(bobNode), nobody, bobNode, 60);
    pair();
    return stranger;
  }

  @Test
  void aPairedDeviceSpeaksForThePersonaWithItsContactsAndSurvivesAReopen() {
    befriendBob();
    pair();
    assertEquals(alice.whoami().get("persona"), laptop.whoami().get("persona"));
    assertTrue(alice.whoami().getAsJsonArray("devices").toString().contains(laptopNode.id().toString()));
    assertTrue(laptop.canSign());
    assertTrue(laptop.contacts().toString().contains("\"bob\""));
    assertTrue(alice.mayUseServices(laptopNode.id()) && laptop.mayUseServices(aliceNode.id()));
    // Bob hears of it (a push): one explained change, no block.
    List<String> notes = bob.observe(laptop.log(), "test");
    assertEquals(1, notes.size(), notes.toString());
    assertTrue(notes.get(0).contains("device " + laptopNode.id() + " added"), notes.toString());
    assertTrue(bob.mayUseServices(laptopNode.id()));
    People reopened = People.open(laptopStore, laptopNode, random, now::get);
    assertEquals(laptop.whoami().get("persona"), reopened.whoami().get("persona"));
    assertTrue(reopened.canSign());
  }

  @Test
  void aDeviceLinkIsSingleUseBoundToTheDialingNodeAndOnlyForFreshNodes() {
    DeviceInvite d = DeviceInvite.parse(alice.deviceInvite(3600).get("link").getAsString()).orElseThrow();
    InviteAnswer wrongNode = alice.redeem(bobNode.id(), deviceAccept(d, laptopNode));
    assertFalse(wrongNode.getOk());
    assertTrue(wrongNode.getRefusal().contains("not the key of the node"), wrongNode.getRefusal());
    InviteAnswer replay = alice.redeem(laptopNode.id(), deviceAccept(d, laptopNode));
    assertTrue(replay.getRefusal().contains("used already"), replay.getRefusal());
    assertEquals(0, alice.log().state().seq());
    befriendBob();
    ApiException e = assertThrows(ApiException.class, () -> Devices.join(bob, d));
    assertEquals(409, e.status());
  }

  @Test
  void rotationTakesTheRecoveryCodeOnceAndShowsTheNextOne() {
    String code = alice.takeRecoveryCode().orElseThrow();
    assertEquals(400, assertThrows(ApiException.class, () -> alice.rotate("nonsense")).status());
    String next = alice.rotate(code).get("recoveryCode").getAsString();
    assertNotEquals(code, next);
    assertEquals(1, alice.log().state().seq());
    assertTrue(alice.canSign());
    assertEquals(400, assertThrows(ApiException.class, () -> alice.rotate(code)).status());
    assertEquals(2, alice.rotate(next).get("seq").getAsLong());
    assertTrue(alice.sign(new byte[] {1}).get("armored").getAsString().contains("BEGIN"));
  }

  @Test
  void afterARotationTheOtherDevicesAskForTheNewKeyAndSignAgain() {
    befriendBob();
    pair();
    Identity carolNode = Identity.generate(random);
    People carol = People.open(new MemoryNodeStore(), carolNode, random, now::get);
    PeopleFixtures.pair(alice, carol, carolNode);
    PeopleFixtures.push(alice, laptop);
    String code = alice.takeRecoveryCode().orElseThrow();
    // Alice removes carol and rotates: the laptop takes the log and lacks the new key.
    List<NodeId> asked = new ArrayList<>();
    laptop.attachSync(new LogSync(laptop, new PeopleFixtures.MapDht().of(laptopNode), (node, service) -> {
      asked.add(node);
      return CompletableFuture.failedFuture(new IOException("not this test's"));
    }, laptopNode, 60, ms -> new CompletableFuture<>()));
    alice.deviceRemove(carolNode.id().toString(), code);
    PeopleFixtures.push(alice, laptop);
    assertFalse(laptop.canSign());
    assertEquals(List.of(aliceNode.id()), asked); // it asks the persona's other devices at once
    // What alice answers (the stream handed over by hand): the key, to her current devices only.
    PersonaRequest q = PersonaRequest.newBuilder()
        .setKeyQuery(ByteString.copyFrom(alice.log().state().persona().toBytes())).build();
    assertFalse(alice.answer(bobNode.id(), q).getOk());
    assertFalse(alice.answer(carolNode.id(), q).getOk()); // removed
    assertFalse(laptop.answer(aliceNode.id(), q).getOk()); // the laptop lacks the key itself
    PersonaAnswer a = alice.answer(laptopNode.id(), q);
    assertTrue(Devices.takeKey(laptop, a));
    assertTrue(laptop.canSign());
    assertTrue(laptop.sign(new byte[] {1}).get("armored").getAsString().contains("BEGIN"));
    // A key that is not the log's current one is not taken.
    PersonaAnswer stale = a.toBuilder().setPersonaSeed(ByteString.copyFrom(carol.signer().seed())).build();
    assertFalse(Devices.takeKey(laptop, stale));
    assertFalse(Devices.takeKey(carol, a)); // carol is no device any more
    assertFalse(carol.canSign());
  }

  @Test
  void aRemovedDeviceLearnsItAndContactsStopLettingItIn() {
    bobKnowsBothDevices();
    String code = alice.takeRecoveryCode().orElseThrow();
    laptop.deviceRemove(aliceNode.id().toString(), code);
    assertFalse(laptop.log().state().hasDevice(aliceNode.id()));
    assertTrue(laptop.canSign()); // rotated: the laptop holds the new key, alice's copy is dead
    alice.observe(laptop.log(), "push");
    assertTrue(alice.whoami().get("thisDeviceRemoved").getAsBoolean());
    assertFalse(alice.canSign());
    assertEquals(409, assertThrows(ApiException.class, () -> alice.sign(new byte[] {1})).status());
    List<String> notes = bob.observe(laptop.log(), "the DHT");
    assertEquals(2, notes.size(), notes.toString());
    assertFalse(bob.mayUseServices(aliceNode.id()));
    assertTrue(bob.mayUseServices(laptopNode.id()));
    assertEquals(404, assertThrows(ApiException.class,
        () -> laptop.deviceRemove(aliceNode.id().toString(), "")).status());
  }

  @Test
  void aFreshMachineTakesThePersonaBackWithTheCodeAndContactsFollowTheLog() {
    bobKnowsBothDevices();
    Identity next = Identity.fromSeed(dev.wormholes.people.RecoveryCode.decode(alice.takeRecoveryCode().orElseThrow())
        .orElseThrow());
    // The device that made the code points a recovery at its log.
    assertEquals(dev.wormholes.people.Recovery.locator(next.seed()).id(), alice.locator().orElseThrow().id());
    assertEquals(409, assertThrows(ApiException.class, () -> Devices.finishRecover(bob, alice.log(), next)).status());
    Identity newNode = Identity.generate(random);
    MemoryNodeStore newStore = new MemoryNodeStore();
    People recovered = People.open(newStore, newNode, random, now::get);
    com.google.gson.JsonObject r = Devices.finishRecover(recovered, alice.log(), next);
    assertEquals(alice.whoami().get("persona"), recovered.whoami().get("persona"));
    assertEquals("[\"" + newNode.id() + "\"]", recovered.whoami().getAsJsonArray("devices").toString());
    assertEquals(2, r.getAsJsonArray("removed").size());
    assertTrue(recovered.canSign());
    String nextCode = r.get("recoveryCode").getAsString();
    assertEquals(dev.wormholes.people.Recovery.locator(dev.wormholes.people.RecoveryCode.decode(nextCode).orElseThrow())
        .id(), recovered.locator().orElseThrow().id());
    // Bob takes the log as explained changes: the new machine is alice, both old devices are not.
    List<String> notes = bob.observe(recovered.log(), "the DHT");
    assertEquals(4, notes.size(), notes.toString());
    assertTrue(bob.mayUseServices(newNode.id()));
    assertFalse(bob.mayUseServices(aliceNode.id()) || bob.mayUseServices(laptopNode.id()));
    // The old code is spent; the machine keeps the persona across a restart.
    People reopened = People.open(newStore, newNode, random, now::get);
    assertTrue(reopened.canSign());
    assertEquals(recovered.log().state(), reopened.log().state());
    assertEquals(409, assertThrows(ApiException.class, () -> Devices.finishRecover(
        People.open(new MemoryNodeStore(), Identity.generate(random), random, now::get), recovered.log(), next)).status());
  }

  @Test
  void aNameReachesWhicheverDeviceOfThePersonAnswers() {
    bobKnowsBothDevices();
    List<NodeId> dialled = new ArrayList<>();
    Set<NodeId> down = new HashSet<>(List.of(aliceNode.id()));
    PetnameDialer dialer = new PetnameDialer((node, service) -> {
      dialled.add(node);
      return down.contains(node) ? CompletableFuture.failedFuture(new IOException("no answer"))
          : CompletableFuture.completedFuture(null);
    }, bob, new DeviceOrder(now::get));
    WhAddress first = dialer.resolve("web.alice.wh").orElseThrow();
    assertEquals(aliceNode.id(), first.node()); // the key log's order while nothing is known
    dialer.dial("web.alice.wh", first).join();
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), dialled);
    // The laptop answered: resolved and tried first from now on, by petname and by persona id.
    dialled.clear();
    String byPersona = "web." + alice.whoami().get("persona").getAsString() + ".wh";
    WhAddress second = dialer.resolve(byPersona).orElseThrow();
    assertEquals(new WhAddress("web", laptopNode.id()), second);
    dialer.dial(byPersona, second).join();
    assertEquals(List.of(laptopNode.id()), dialled);
    // Both down: each tried once, the failure reported.
    now.addAndGet(1);
    down.add(laptopNode.id());
    dialled.clear();
    assertThrows(CompletionException.class, () -> dialer.dial("web.alice.wh", dialer.resolve("web.alice.wh").orElseThrow()).join());
    assertEquals(List.of(laptopNode.id(), aliceNode.id()), dialled);
    // A node-id name reaches that node alone, a contact's device or not.
    dialled.clear();
    WhAddress byNode = dialer.resolve("web." + aliceNode.id() + ".wh").orElseThrow();
    assertThrows(CompletionException.class, () -> dialer.dial("web." + aliceNode.id() + ".wh", byNode).join());
    NodeId stranger = Identity.generate(random).id();
    dialer.dial("web." + stranger + ".wh", new WhAddress("web", stranger)).join();
    assertEquals(List.of(aliceNode.id(), stranger), dialled);
  }

  @Test
  void anOnionNameReachesWhicheverDeviceOfThePersonAnswersInTheSameOrder() {
    bobKnowsBothDevices();
    List<NodeId> circuits = new ArrayList<>();
    Set<NodeId> down = new HashSet<>(List.of(aliceNode.id()));
    DeviceOrder order = new DeviceOrder(now::get);
    PetnameDialer dialer = new PetnameDialer(new StreamDialer() {
      @Override
      public CompletableFuture<SecureStream> dial(NodeId node, String service) {
        return CompletableFuture.failedFuture(new IOException("direct dials are not this test's"));
      }

      @Override
      public CompletableFuture<CircuitStream> dialOnion(NodeId node, String service) {
        circuits.add(node);
        return down.contains(node) ? CompletableFuture.failedFuture(new IOException("circuit failed"))
            : CompletableFuture.completedFuture(null);
      }
    }, bob, order);
    // SOCKS hands over SERVICE.NAME.wh once the .onion label is off.
    String name = WhAddress.withoutOnion("web.alice.onion.wh");
    dialer.dialOnion(name, dialer.resolve(name).orElseThrow()).join();
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), circuits);
    // The outcomes went into the node's one order: the laptop first now, on every path.
    assertEquals(List.of(laptopNode.id(), aliceNode.id()), order.order(List.of(aliceNode.id(), laptopNode.id())));
    circuits.clear();
    String byPersona = "web." + alice.whoami().get("persona").getAsString() + ".wh";
    dialer.dialOnion(byPersona, dialer.resolve(byPersona).orElseThrow()).join();
    assertEquals(List.of(laptopNode.id()), circuits);
    // A node-id name reaches that node alone.
    circuits.clear();
    String byNode = "web." + aliceNode.id() + ".wh";
    assertThrows(CompletionException.class, () -> dialer.dialOnion(byNode, dialer.resolve(byNode).orElseThrow()).join());
    assertEquals(List.of(aliceNode.id()), circuits);
  }

  @Test
  void aNewHeadIsFetchedFromTheItemsPastTheHeldLogAndAMissingItemIsAskedAgain() {
    PeopleFixtures.MapDht dht = new PeopleFixtures.MapDht();
    StreamDialer nobody = (node, service) -> CompletableFuture.failedFuture(new IOException("no streams here"));
    befriendBob();
    alice.attachSync(new LogSync(alice, dht.of(aliceNode), nobody, aliceNode, 60));
    pair(); // alice's log moves to seq 1 and is published; the push to bob fails
    dev.wormholes.people.PersonaId persona = alice.log().state().persona();
    assertEquals(0, bob.contactLog(persona).orElseThrow().state().seq());
    // The new event's item is not found at the first GET; seq 0, held, is never asked.
    PeopleDht real = dht.of(bobNode);
    NodeId late = LogItems.key(aliceNode.publicKey(), 1);
    List<NodeId> asked = new ArrayList<>();
    PeopleDht flaky = new PeopleDht() {
      @Override
      public CompletableFuture<dev.wormholes.proto.wire.Presence> presence(NodeId node) {
        return real.presence(node);
      }

      @Override
      public synchronized CompletableFuture<java.util.Optional<dev.wormholes.proto.wire.StoredValue>> get(NodeId key) {
        asked.add(key);
        return key.equals(late) && asked.size() == 1
            ? CompletableFuture.completedFuture(java.util.Optional.empty()) : real.get(key);
      }

      @Override
      public CompletableFuture<Void> publish(dev.wormholes.proto.wire.StoredValue value) {
        return real.publish(value);
      }

      @Override
      public void head(dev.wormholes.proto.wire.PersonaHead head) {
        real.head(head);
      }

      @Override
      public long networkId() {
        return real.networkId();
      }
    };
    LogSync sync = new LogSync(bob, flaky, nobody, bobNode, 60);
    sync.refresh(persona, List.of(aliceNode.id())).join();
    assertEquals(alice.log().state().head().text(), bob.contactLog(persona).orElseThrow().state().head().text());
    assertEquals(List.of(late, late), asked);
  }

  @Test
  void aStrangerFindsAPersonaByItsIdAfterItsFirstDeviceIsGone() {
    PeopleFixtures.MapDht dht = new PeopleFixtures.MapDht();
    LogSync stranger = pairPublishingTo(dht);
    dev.wormholes.people.PersonaId persona = alice.log().state().persona();
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), stranger.devices(persona).join());
    // The laptop removes the first device, which learns it; then it is gone long enough for its
    // record and items to expire. The inception under the persona id still names it.
    laptop.deviceRemove(aliceNode.id().toString(), "");
    alice.observe(laptop.log(), "push");
    dht.forget(aliceNode);
    assertEquals(List.of(laptopNode.id()), stranger.devices(persona).join());
    // Nothing of a persona the DHT does not know.
    assertEquals(List.of(), stranger.devices(bob.log().state().persona()).join());
  }

  @Test
  void aForgedDeviceListCostsALookupByPersonaIdAtMostOneLogsGetsAndThePersonaIsStillFound() {
    PeopleFixtures.MapDht dht = new PeopleFixtures.MapDht();
    LogSync stranger = pairPublishingTo(dht);
    dev.wormholes.people.PersonaId persona = alice.log().state().persona();
    // Anybody derives the list's key from the persona id: a forger lists the most devices of its
    // own, whose records claim the longest log and which publish no item.
    List<Long> claims = new ArrayList<>();
    for (int i = 0; i < KeyLog.MAX_DEVICES; i++) {
      claims.add((long) KeyLog.MAX_EVENTS - 1);
    }
    forgeList(dht, persona, claims, 1_001);
    long before = dht.gets();
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), stranger.devices(persona).join());
    long gets = dht.gets() - before;
    // The inception, the list, and at most one full log's items over all candidates (the old code:
    // every forged log's items three times, 16 x 256 x 3).
    assertTrue(gets <= 2 + dev.wormholes.people.PersonaLookup.ITEM_BUDGET, gets + " GETs");
    // A forger whose claims spend the whole budget before the real devices: the first device alone.
    forgeList(dht, persona, List.of((long) KeyLog.MAX_EVENTS - 1, 7L), 1_002);
    before = dht.gets();
    assertEquals(List.of(aliceNode.id()), stranger.devices(persona).join());
    assertEquals(2 + dev.wormholes.people.PersonaLookup.ITEM_BUDGET, dht.gets() - before);
  }

  // Publish a device list of persona at item seq seq, naming new devices whose records claim the given heads.
  private void forgeList(PeopleFixtures.MapDht dht, dev.wormholes.people.PersonaId persona, List<Long> claims, long seq) {
    List<NodeId> fakes = new ArrayList<>();
    for (long claim : claims) {
      Identity fake = Identity.generate(random);
      dht.of(fake).head(dev.wormholes.proto.wire.PersonaHead.newBuilder().setPersona(ByteString.copyFrom(persona.toBytes()))
          .setSeq(claim).setDigest(ByteString.copyFrom(new byte[32])).build());
      fakes.add(fake.id());
    }
    dht.of(bobNode).publish(LogItems.devicesItem(persona, seq, fakes, 0)).join();
  }

  @Test
  void aNameInsideAPrivateNetworkReachesWhicheverDeviceOfThePersonAnswers() {
    bobKnowsBothDevices();
    List<String> dialled = new ArrayList<>();
    PetnameDialer dialer = new PetnameDialer(new StreamDialer() {
      @Override
      public CompletableFuture<SecureStream> dial(NodeId node, String service) {
        return CompletableFuture.failedFuture(new IOException("public dials are not this test's"));
      }

      @Override
      public CompletableFuture<SecureStream> dialInNetwork(String network, NodeId node, String service) {
        dialled.add(network + ":" + node + ":" + service);
        return node.equals(aliceNode.id()) ? CompletableFuture.failedFuture(new IOException("no answer"))
            : CompletableFuture.completedFuture(null);
      }
    }, bob, new DeviceOrder(now::get));
    // SOCKS hands over SERVICE.NAME.wh once the network's labels are off.
    String name = WhAddress.withoutNetwork("web.alice.home.network.wh");
    dialer.dialInNetwork("home", name, dialer.resolve(name).orElseThrow()).join();
    assertEquals(List.of("home:" + aliceNode.id() + ":web", "home:" + laptopNode.id() + ":web"), dialled);
  }

  @Test
  void aSilentDeviceHoldsUpANameOnlyAFewSecondsAndItsLateCircuitIsClosed() {
    bobKnowsBothDevices();
    List<NodeId> circuits = new ArrayList<>();
    CompletableFuture<CircuitStream> silent = new CompletableFuture<>();
    DeviceRaceTest.FakeClock clock = new DeviceRaceTest.FakeClock();
    PetnameDialer dialer = new PetnameDialer(new StreamDialer() {
      @Override
      public CompletableFuture<SecureStream> dial(NodeId node, String service) {
        return CompletableFuture.failedFuture(new IOException("direct dials are not this test's"));
      }

      @Override
      public CompletableFuture<CircuitStream> dialOnion(NodeId node, String service) {
        circuits.add(node);
        return node.equals(aliceNode.id()) ? silent : CompletableFuture.completedFuture(null);
      }
    }, bob, new DeviceOrder(now::get), clock);
    CompletableFuture<CircuitStream> s = dialer.dialOnion("web.alice.wh", dialer.resolve("web.alice.wh").orElseThrow());
    assertEquals(List.of(aliceNode.id()), circuits);
    clock.advance(dev.wormholes.people.DeviceChoice.NEXT_DEVICE_AFTER_MS);
    assertEquals(List.of(aliceNode.id(), laptopNode.id()), circuits);
    assertTrue(s.isDone()); // the laptop's circuit, a few seconds in, not after the silent one's timeout
    List<String> aborted = new ArrayList<>();
    silent.complete(new CircuitStream() {
      @Override
      public void attach(io.netty.channel.socket.DuplexChannel client, io.netty.buffer.ByteBuf early) {}

      @Override
      public void abort() {
        aborted.add("late");
      }
    });
    assertEquals(List.of("late"), aborted);
  }

  @Test
  void aContactsRevocationIsPassedOnToTheOtherFriendsOnce() {
    Identity carolNode = Identity.generate(random);
    People carol = People.open(new MemoryNodeStore(), carolNode, random, now::get);
    befriendBob();
    PeopleFixtures.befriend(bob, "carol", carol, "bob");
    PeopleFixtures.befriend(alice, "carol", carol, "alice");
    pair();
    List<NodeId> pushedTo = new ArrayList<>();
    bob.attachSync(new LogSync(bob, new PeopleDht() {
      @Override
      public CompletableFuture<dev.wormholes.proto.wire.Presence> presence(NodeId node) {
        return CompletableFuture.failedFuture(new IOException("no DHT here"));
      }

      @Override
      public CompletableFuture<java.util.Optional<dev.wormholes.proto.wire.StoredValue>> get(NodeId key) {
        return CompletableFuture.completedFuture(java.util.Optional.empty());
      }

      @Override
      public CompletableFuture<Void> publish(dev.wormholes.proto.wire.StoredValue value) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public void head(dev.wormholes.proto.wire.PersonaHead head) {}

      @Override
      public long networkId() {
        return 0;
      }
    }, (node, service) -> {
      pushedTo.add(node);
      return CompletableFuture.failedFuture(new IOException("not this test's"));
    }, bobNode, 60));
    // A device added is no revocation: bob keeps it to himself.
    bob.observe(laptop.log(), "push");
    assertEquals(List.of(), pushedTo);
    // Alice removes the laptop: bob passes it on to carol (not to alice's devices), once.
    alice.deviceRemove(laptopNode.id().toString(), "");
    bob.observe(alice.log(), "push");
    assertEquals(List.of(carolNode.id()), pushedTo);
    bob.observe(alice.log(), "the DHT");
    assertEquals(List.of(carolNode.id()), pushedTo);
    // Carol, who held alice's log with the laptop, takes the relayed one.
    PeopleFixtures.push(laptop, carol);
    assertTrue(carol.mayUseServices(laptopNode.id()));
    carol.observe(alice.log(), "a push by node " + bobNode.id());
    assertFalse(carol.mayUseServices(laptopNode.id()));
  }

  @Test
  void aLogOfTheOwnPersonaThatThisNodeDidNotSignRaisesAnAlarm() {
    KeyLog before = alice.log();
    // Somebody holding the persona key signs another event at seq 1 than the one alice makes.
    KeyLog fork = before.append(Events.deviceAdd(before.state(), alice.signer(),
        Events.device(Identity.generate(random), alice.signer().publicKey()))).orThrow();
    alice.change(List.of(Events.deviceAdd(before.state(), alice.signer(),
        Events.device(laptopNode, alice.signer().publicKey()))), null, List.of());
    assertTrue(alice.alarms().isEmpty());
    assertTrue(alice.observe(before, "push").isEmpty()); // an earlier head: nothing wrong
    assertTrue(alice.alarms().isEmpty());
    alice.observe(fork, "a push");
    assertEquals(1, alice.alarms().size(), alice.alarms().toString());
    assertTrue(alice.status().toString().contains("duplicity"), alice.status().toString());
    // A presence record naming a head this persona never signed alarms too (and asks for the log).
    KeyLog other = before.append(Events.deviceAdd(before.state(), alice.signer(),
        Events.device(Identity.generate(random), alice.signer().publicKey()))).orThrow();
    assertTrue(alice.wantsHead(other.state().persona(), other.state().head()).isPresent());
    assertEquals(2, alice.alarms().size());
    assertTrue(alice.wantsHead(before.state().persona(), before.state().head()).isEmpty());
  }

  @Test
  void headQueriesAreAnsweredToContactsOnly() {
    befriendBob();
    PersonaRequest q = PersonaRequest.newBuilder()
        .setHeadQuery(ByteString.copyFrom(alice.log().state().persona().toBytes())).build();
    PersonaAnswer toStranger = bob.answer(laptopNode.id(), q);
    assertFalse(toStranger.getOk());
    PersonaAnswer toAlice = bob.answer(aliceNode.id(), q);
    assertTrue(toAlice.getOk() && toAlice.hasHead());
    assertTrue(bob.answer(aliceNode.id(), PersonaRequest.newBuilder().setHeadQuery(ByteString.copyFrom(new byte[3]))
        .build()).getRefusal().contains("not a persona"));
    PersonaAnswer log = bob.answer(laptopNode.id(), PersonaRequest.newBuilder()
        .setLogQuery(ByteString.copyFrom(alice.log().state().persona().toBytes())).build());
    assertEquals(LogItems.head(alice.log().state()).getSeq(), KeyLog.decode(log.getLog().toByteArray())
        .orThrow().state().seq());
    assertFalse(bob.answer(aliceNode.id(), PersonaRequest.getDefaultInstance()).getOk());
  }

  @Test
  void aContactRequestWaitsForApprovalAndFloodsAreRefused() {
    PersonaRequest ask = PersonaRequest.newBuilder().setRequest(dev.wormholes.people.wire.ContactRequest.newBuilder()
        .setLog(dev.wormholes.people.ContactCodec.wire(laptop.log())).setPetnameHint("lap").setMessage("hi bob")).build();
    PersonaAnswer a = bob.answer(laptopNode.id(), "192.0.2.1", ask);
    assertTrue(a.getOk(), a.getRefusal());
    KeyLog bobLog = KeyLog.decode(a.getLog().toByteArray()).orThrow();
    ContactRequestsDriver.requested(laptop, bobLog, "bob", "hi bob");
    assertTrue(bob.contacts().toString().contains("pending-in"), bob.contacts().toString());
    assertTrue(laptop.contacts().toString().contains("pending-out"));
    assertFalse(bob.mayUseServices(laptopNode.id()), "a pending request gets no access");
    assertEquals(400, assertThrows(ApiException.class, () -> laptop.contact("approve", "bob", "")).status());
    String name = bob.contacts().getAsJsonArray("contacts").get(0).getAsJsonObject().get("petname").getAsString();
    bob.contact("approve", name, "");
    assertTrue(bob.mayUseServices(laptopNode.id()));
    laptop.answer(bobNode.id(), PersonaRequest.newBuilder().setPush(dev.wormholes.people.ContactCodec.wire(bob.log())).build());
    assertTrue(laptop.contacts().toString().contains("\"accepted\""), laptop.contacts().toString());
    // A flood from one address: refused and counted, whatever node ids it uses.
    int refused = 0;
    for (int i = 0; i < 6; i++) {
      People s = People.open(new MemoryNodeStore(), Identity.generate(random), random, now::get);
      PersonaRequest q = PersonaRequest.newBuilder().setRequest(dev.wormholes.people.wire.ContactRequest.newBuilder()
          .setLog(dev.wormholes.people.ContactCodec.wire(s.log()))).build();
      refused += bob.answer(Identity.generate(random).id(), "198.51.100.9", q).getOk() ? 0 : 1;
    }
    assertEquals(3, refused);
    assertEquals(3, bob.whoami().getAsJsonObject("refusedRequests").get("rate_limited").getAsLong());
    String denied = bob.contacts().getAsJsonArray("contacts").asList().stream()
        .map(e -> e.getAsJsonObject()).filter(o -> o.get("state").getAsString().equals("pending-in"))
        .findFirst().orElseThrow().get("petname").getAsString();
    bob.contact("deny", denied, "");
    assertFalse(bob.contacts().toString().contains("\"" + denied + "\""));
  }
}
