package dev.wormholes.node.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.wormholes.node.store.MemoryNodeStore;
import dev.wormholes.people.wire.ContactEntries;
import dev.wormholes.people.wire.PersonaAnswer;
import dev.wormholes.people.wire.PersonaRequest;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A persona's contacts follow it across its devices: alice's first node and her paired laptop,
 * each a real {@link People} with its own store, the requests on {@code wh-persona} handed to the
 * other's {@link People#answer} as from the asking node (a device that is down fails them); fake clock.
 */
class ContactsAcrossDevicesTest {
  private final AtomicLong now = new AtomicLong(1_800_000_000L);
  private final SecureRandom random = new SecureRandom();
  private final Identity aliceNode = Identity.generate(random);
  private final Identity laptopNode = Identity.generate(random);
  private final MemoryNodeStore aliceStore = new MemoryNodeStore();
  private final MemoryNodeStore laptopStore = new MemoryNodeStore();
  private final People alice = People.open(aliceStore, aliceNode, random, now::get);
  private People laptop = People.open(laptopStore, laptopNode, random, now::get);
  private final People bob = People.open(new MemoryNodeStore(), Identity.generate(random), random, now::get);
  private final People carol = People.open(new MemoryNodeStore(), Identity.generate(random), random, now::get);
  private final Map<NodeId, People> network = new HashMap<>();
  private final Set<NodeId> down = new HashSet<>();

  private void wire(People p, Identity node) {
    network.put(node.id(), p);
    p.mirror().attach((to, request) -> down.contains(to) || down.contains(node.id()) || !network.containsKey(to)
        ? CompletableFuture.failedFuture(new IOException("no answer"))
        : CompletableFuture.completedFuture(network.get(to).answer(node.id(), request)));
  }

  private void pairAndWire() {
    PeopleFixtures.pair(alice, laptop, laptopNode);
    wire(alice, aliceNode);
    wire(laptop, laptopNode);
  }

  private static Optional<JsonObject> contact(People p, String name) {
    for (var c : p.contacts().getAsJsonArray("contacts")) {
      if (c.getAsJsonObject().get("petname").getAsString().equals(name)) {
        return Optional.of(c.getAsJsonObject());
      }
    }
    return Optional.empty();
  }

  private static String state(People p, String name) {
    return contact(p, name).map(c -> c.get("state").getAsString()).orElse("none");
  }

  @Test
  void aContactAcceptedRenamedBlockedVerifiedOrRemovedOnOneDeviceShowsOnTheOther() {
    pairAndWire();
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    assertEquals("accepted", state(laptop, "bob"), laptop.contacts().toString());
    assertTrue(laptop.isAcceptedDevice(bob.device().id()), "bob may use the laptop's services too");
    now.addAndGet(5);
    alice.contact("rename", "bob", "robert");
    assertEquals("none", state(laptop, "bob"));
    assertEquals("accepted", state(laptop, "robert"));
    now.addAndGet(5);
    laptop.contact("block", "robert", "");
    assertEquals("blocked", state(alice, "robert"));
    assertFalse(alice.isAcceptedDevice(bob.device().id()));
    laptop.contact("unblock", "robert", "");
    alice.contact("verify", "robert", "");
    assertTrue(contact(laptop, "robert").orElseThrow().get("verified").getAsBoolean());
    assertEquals("accepted", state(alice, "robert"));
    now.addAndGet(5);
    laptop.contact("remove", "robert", "");
    assertEquals("[]", alice.contacts().getAsJsonArray("contacts").toString());
    assertFalse(alice.isAcceptedDevice(bob.device().id()));
    // The removal outlives a reopen: the old stamps do not bring bob back.
    People reopened = People.open(aliceStore, aliceNode, random, now::get);
    assertEquals("[]", reopened.contacts().getAsJsonArray("contacts").toString());
  }

  @Test
  void anEditMadeWhileTheOtherDeviceWasDownReachesItWhenItStarts() {
    pairAndWire();
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    down.add(laptopNode.id());
    now.addAndGet(60);
    alice.contact("rename", "bob", "robert");
    PeopleFixtures.befriend(alice, "carol", carol, "alice");
    assertEquals("accepted", state(laptop, "bob"), "the laptop was down: nothing reached it");
    // The laptop starts again from its store and catches up.
    laptop = People.open(laptopStore, laptopNode, random, now::get);
    down.clear();
    wire(laptop, laptopNode);
    assertEquals("none", state(laptop, "carol"));
    laptop.mirror().catchUp().join();
    assertEquals("accepted", state(laptop, "carol"), laptop.contacts().toString());
    assertEquals("accepted", state(laptop, "robert"));
    assertEquals("none", state(laptop, "bob"));
    // Asking again brings nothing twice; what the laptop saw is remembered across a restart.
    int before = laptop.contacts().getAsJsonArray("contacts").size();
    laptop.mirror().catchUp().join();
    assertEquals(before, laptop.contacts().getAsJsonArray("contacts").size());
  }

  @Test
  void aPetnameBothDevicesGaveToTwoPeopleAtOnceGoesToNeitherAndRaisesAnAlarm() {
    pairAndWire();
    down.add(laptopNode.id());
    PeopleFixtures.befriend(alice, "sam", bob, "alice");
    PeopleFixtures.befriend(laptop, "sam", carol, "alice");
    down.clear();
    laptop.mirror().catchUp().join();
    alice.mirror().catchUp().join();
    assertEquals("none", state(alice, "sam"));
    assertEquals("none", state(laptop, "sam"));
    assertEquals(alice.contacts().toString(), laptop.contacts().toString());
    assertTrue(alice.alarms().toString().contains("call different people 'sam'"), alice.alarms().toString());
    String bobShown = dev.wormholes.people.ContactSync.conflictName("sam", bob.log().state().persona());
    assertEquals("accepted", state(laptop, bobShown));
    now.addAndGet(5);
    laptop.contact("rename", bobShown, "bob");
    assertEquals("accepted", state(alice, "bob"));
    assertEquals("accepted", state(alice, "sam"), "carol has the name again, by a rename, not silently");
    assertEquals(bob.log().state().persona().toString(), contact(alice, "bob").orElseThrow().get("persona").getAsString());
  }

  @Test
  void onlyAnotherCurrentDeviceIsHeardOrAnswered() {
    pairAndWire();
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    PersonaRequest since = PersonaRequest.newBuilder().setContactsSince(0).build();
    PersonaAnswer toBob = alice.answer(bob.device().id(), since);
    assertFalse(toBob.getOk());
    assertEquals(0, toBob.getContacts().getEntriesCount());
    PersonaAnswer toLaptop = alice.answer(laptopNode.id(), since);
    assertTrue(toLaptop.getOk());
    assertEquals(1, toLaptop.getContacts().getEntriesCount());
    PersonaRequest push = PersonaRequest.newBuilder().setContacts(ContactEntries.newBuilder()
        .addAllEntries(toLaptop.getContacts().getEntriesList())).build();
    assertFalse(carol.answer(bob.device().id(), push).getOk());
    assertEquals(1, carol.whoami().getAsJsonObject("contactSync").getAsJsonObject("refused").get("not_a_device").getAsLong());
    assertEquals("[]", carol.contacts().getAsJsonArray("contacts").toString());
  }

  @Test
  void changesMadeBeforeThePushRunsGoInOneMessage() {
    PeopleFixtures.pair(alice, laptop, laptopNode);
    wire(laptop, laptopNode);
    List<Runnable> later = new ArrayList<>();
    List<Integer> pushed = new ArrayList<>();
    alice.mirror().attach((to, request) -> {
      pushed.add(request.getContacts().getEntriesCount());
      return CompletableFuture.completedFuture(network.get(to).answer(aliceNode.id(), request));
    }, later::add);
    PeopleFixtures.befriend(alice, "bob", bob, "alice");
    PeopleFixtures.befriend(alice, "carol", carol, "alice");
    assertEquals(1, later.size(), "one push waits for both changes");
    assertEquals("none", state(laptop, "bob"));
    later.forEach(Runnable::run);
    assertEquals(List.of(2), pushed);
    assertEquals("accepted", state(laptop, "bob"));
    assertEquals("accepted", state(laptop, "carol"));
  }
}
