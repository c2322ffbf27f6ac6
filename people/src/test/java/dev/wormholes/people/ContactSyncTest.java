package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The merge of a persona's contacts across its devices. */
class ContactSyncTest {
  private static final TestPersona ME = meWithDevices();
  private static final List<KeyLog> FRIENDS = List.of(new TestPersona(11).log, new TestPersona(12).log,
      new TestPersona(13).log, new TestPersona(14).log);

  private static TestPersona meWithDevices() {
    TestPersona p = new TestPersona(10);
    p.addDevice();
    p.addDevice();
    return p;
  }

  private static NodeId dev(int i) {
    return ME.devices.get(i).id();
  }

  private static ContactSync device(int i) {
    return new ContactSync(dev(i));
  }

  private static Contact contact(int friend, String name) {
    return new Contact(name, FRIENDS.get(friend), false, ContactState.ACCEPTED, 100, "invite", Optional.empty());
  }

  private static Contact shown(ContactSync s, int friend) {
    PersonaId p = FRIENDS.get(friend).state().persona();
    return s.view().contacts().stream().filter(c -> c.persona().equals(p)).findFirst().orElseThrow();
  }

  /** Send every entry {@code from} holds to {@code to}. */
  private static ContactSync.Merged send(ContactSync from, int fromIndex, ContactSync to, long now) {
    return to.merge(ME.state(), dev(fromIndex), from.since(0, 1000).entries(), now);
  }

  private static List<String> book(ContactSync s) {
    return s.view().contacts().stream().map(c -> c.petname() + "=" + c.persona() + "/" + c.state() + "/"
        + c.verified() + "/" + c.blockReason().orElse("") + "/" + c.pinned().text()).toList();
  }

  @Test
  void editsOfDifferentGroupsOnTwoDevicesBothSurvive() {
    ContactSync a = device(0);
    ContactSync b = device(1);
    a.edited(contact(0, "alice"), 1000);
    send(a, 0, b, 1000);
    a.edited(shown(a, 0).withPetname("ally"), 2000);
    b.edited(shown(b, 0).withState(ContactState.BLOCKED, Optional.of("blocked by you")), 2500);
    send(a, 0, b, 3000);
    send(b, 1, a, 3000);
    assertEquals(book(a), book(b));
    Contact c = shown(a, 0);
    assertEquals("ally", c.petname());
    assertEquals(ContactState.BLOCKED, c.state());
  }

  @Test
  void theLaterEditOfOneGroupWinsInEitherOrder() {
    ContactSync a = device(0);
    ContactSync b = device(1);
    a.edited(contact(0, "alice"), 1000);
    send(a, 0, b, 1000);
    a.edited(shown(a, 0).withPetname("ann"), 2000);
    b.edited(shown(b, 0).withPetname("al"), 3000);
    send(b, 1, a, 3000);
    send(a, 0, b, 3000);
    assertEquals("al", shown(a, 0).petname());
    assertEquals(book(a), book(b));
  }

  @Test
  void aRemovalWinsOverAnOlderEditAndALaterEditBringsTheContactBack() {
    ContactSync a = device(0);
    ContactSync b = device(1);
    a.edited(contact(0, "alice"), 1000);
    send(a, 0, b, 1000);
    b.edited(shown(b, 0).withVerified(), 2000);
    a.removed(FRIENDS.get(0).state().persona(), 3000);
    send(b, 1, a, 3000);
    send(a, 0, b, 3000);
    assertTrue(a.view().contacts().isEmpty());
    assertTrue(b.view().contacts().isEmpty());
    b.edited(contact(0, "alice-again"), 4000); // accepted anew after the removal
    send(b, 1, a, 4000);
    assertEquals("alice-again", shown(a, 0).petname());
    assertEquals(book(a), book(b));
  }

  @Test
  void aPetnameTwoDevicesGaveToTwoPeopleGoesToNeitherUntilOneIsRenamed() {
    ContactSync a = device(0);
    ContactSync b = device(1);
    a.edited(contact(0, "sam"), 1000);
    b.edited(contact(1, "sam"), 1100);
    send(a, 0, b, 2000);
    send(b, 1, a, 2000);
    assertEquals(book(a), book(b));
    assertTrue(a.view().contacts().stream().noneMatch(c -> c.petname().equals("sam")), () -> book(a).toString());
    assertEquals("sam", a.view().conflicts().get(0).petname());
    String shownA = ContactSync.conflictName("sam", FRIENDS.get(0).state().persona());
    assertEquals(shownA, shown(a, 0).petname());
    assertFalse(a.edited(shown(a, 0), 2500).isPresent(), "showing the conflict name is not a rename");
    b.edited(shown(b, 1).withPetname("samuel"), 3000);
    send(b, 1, a, 3000);
    assertEquals("sam", shown(a, 0).petname());
    assertEquals("samuel", shown(a, 1).petname());
    assertTrue(a.view().conflicts().isEmpty());
    assertEquals(book(a), book(b));
  }

  @Test
  void onlyAnotherCurrentDeviceIsHeardAndBadEntriesAreCounted() {
    ContactSync a = device(0);
    ContactSync b = device(1);
    a.edited(contact(0, "alice"), 1000);
    List<ContactSync.Entry> entries = a.since(0, 10).entries();
    NodeId stranger = Identity.generate(new Random(5)).id();
    assertEquals(List.of(ContactSync.Refusal.NOT_A_DEVICE), b.merge(ME.state(), stranger, entries, 1000).refused());
    assertEquals(List.of(ContactSync.Refusal.NOT_A_DEVICE), b.merge(ME.state(), dev(1), entries, 1000).refused());
    ContactSync.Entry e = entries.get(0);
    List<ContactSync.Entry> many = Collections.nCopies(ContactSync.MAX_PER_MESSAGE + 1, e);
    assertEquals(List.of(ContactSync.Refusal.TOO_MANY), b.merge(ME.state(), dev(0), many, 1000).refused());
    ContactSync.Entry ahead = new ContactSync.Entry(e.persona(), "alice", new ContactSync.Stamp(1000 + ContactSync.MAX_AHEAD_MS + 1, dev(0)),
        e.state(), "", e.stateAt(), false, e.verifiedAt(), e.removedAt(), 100, "invite", e.log());
    ContactSync.Entry own = new ContactSync.Entry(ME.state().persona(), "me", e.nameAt(), e.state(), "", e.stateAt(),
        false, e.verifiedAt(), e.removedAt(), 100, "invite", Optional.of(ME.log));
    ContactSync.Entry noLog = new ContactSync.Entry(e.persona(), "alice", e.nameAt(), e.state(), "", e.stateAt(),
        false, e.verifiedAt(), e.removedAt(), 100, "invite", Optional.empty());
    ContactSync.Entry otherLog = new ContactSync.Entry(e.persona(), "alice", e.nameAt(), e.state(), "", e.stateAt(),
        false, e.verifiedAt(), e.removedAt(), 100, "invite", Optional.of(FRIENDS.get(1)));
    assertEquals(List.of(ContactSync.Refusal.AHEAD, ContactSync.Refusal.OWN_PERSONA, ContactSync.Refusal.BAD_ENTRY,
        ContactSync.Refusal.BAD_ENTRY), b.merge(ME.state(), dev(0), List.of(ahead, own, noLog, otherLog), 1000).refused());
    assertTrue(b.view().contacts().isEmpty());
    assertEquals(2L, b.refusals().get(ContactSync.Refusal.BAD_ENTRY));
    TestPersona removedMe = meWithDevices();
    removedMe.removeDevice(2);
    assertEquals(List.of(ContactSync.Refusal.NOT_A_DEVICE),
        b.merge(removedMe.state(), dev(2), entries, 1000).refused(), "a removed device is not heard");
  }

  @Test
  void aCatchUpPagesThroughWhatChangedAfterACounter() {
    ContactSync a = device(0);
    for (int i = 0; i < 4; i++) {
      a.edited(contact(i, "f" + i), 1000 + i);
    }
    ContactSync.Page first = a.since(0, 3);
    assertEquals(3, first.entries().size());
    assertTrue(first.more());
    ContactSync.Page second = a.since(first.next(), 3);
    assertEquals(1, second.entries().size());
    assertFalse(second.more());
    a.edited(shown(a, 0).withVerified(), 2000);
    ContactSync.Page third = a.since(second.next(), 3);
    assertEquals(List.of(FRIENDS.get(0).state().persona()), third.entries().stream().map(ContactSync.Entry::persona).toList());
  }

  @Test
  void removedEntriesAreBounded() {
    ContactSync a = device(0);
    TestPersona first = null;
    for (int i = 0; i < ContactSync.MAX_REMOVED + 2; i++) {
      TestPersona f = new TestPersona(1000 + i);
      first = first == null ? f : first;
      a.edited(new Contact("x" + i, f.log, false, ContactState.ACCEPTED, 1, "invite", Optional.empty()), 10 + 2L * i);
      a.removed(f.state().persona(), 11 + 2L * i);
    }
    assertEquals(2, a.pollForgotten().size());
    assertTrue(a.entry(first.state().persona()).isEmpty(), "the oldest removal is forgotten first");
    assertEquals(ContactSync.MAX_REMOVED, a.since(0, 10_000).entries().size());
  }

  @Test
  void theNewerPinnedLogIsKeptAndAConflictingOneReported() {
    TestPersona f = new TestPersona(21);
    KeyLog old = f.log;
    f.addDevice();
    TestPersona twin = new TestPersona(21); // the same persona, another event at seq 1
    twin.rotate();
    ContactSync a = device(0);
    ContactSync b = device(1);
    ContactSync c = device(2);
    a.edited(new Contact("f", old, false, ContactState.ACCEPTED, 1, "invite", Optional.empty()), 1000);
    send(a, 0, b, 1000);
    a.edited(b.view().contacts().get(0).withLog(f.log), 1500);
    send(a, 0, b, 2000);
    assertEquals(f.log.state().head(), b.view().contacts().get(0).pinned());
    c.edited(new Contact("f", twin.log, false, ContactState.ACCEPTED, 1, "invite", Optional.empty()), 1000);
    assertEquals(List.of(f.state().persona()), send(c, 2, b, 2000).logConflicts());
  }

  @Test
  void anyOrderAndRepetitionOfTheSameEditsConverges() {
    qt().withExamples(120).forAll(longs().all(), integers().between(1, 40)).checkAssert((seed, ops) -> {
      Random r = new Random(seed);
      ContactSync[] devices = {device(0), device(1), device(2)};
      List<List<ContactSync.Entry>> sent = new ArrayList<>();
      List<Integer> senders = new ArrayList<>();
      String[] names = {"ann", "bob", "cat"};
      long now = 1000;
      for (int i = 0; i < ops; i++) {
        now += r.nextInt(3); // clocks barely move: many equal times
        int d = r.nextInt(3);
        ContactSync s = devices[d];
        int friend = r.nextInt(FRIENDS.size());
        PersonaId p = FRIENDS.get(friend).state().persona();
        Optional<Contact> c = s.view().contacts().stream().filter(x -> x.persona().equals(p)).findFirst();
        long before = s.since(0, 1000).next();
        switch (c.isEmpty() ? 0 : 1 + r.nextInt(5)) {
          case 0 -> s.edited(contact(friend, names[r.nextInt(3)]), now);
          case 1 -> s.edited(c.get().withPetname(names[r.nextInt(3)]), now);
          case 2 -> s.edited(c.get().withState(ContactState.BLOCKED, Optional.of("blocked by you")), now);
          case 3 -> s.edited(c.get().withState(ContactState.ACCEPTED, Optional.empty()), now);
          case 4 -> s.edited(c.get().withVerified(), now);
          default -> s.removed(p, now);
        }
        sent.add(s.since(before, 1000).entries());
        senders.add(d);
        if (r.nextInt(3) == 0) { // some arrive early, at a random device
          int k = r.nextInt(sent.size());
          devices[r.nextInt(3)].merge(ME.state(), dev(senders.get(k)), sent.get(k), now);
        }
      }
      ContactSync fresh = new ContactSync(Identity.generate(r).id());
      List<ContactSync> all = List.of(devices[0], devices[1], devices[2], fresh);
      for (ContactSync s : all) {
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < sent.size(); k++) {
          order.add(k);
          if (r.nextBoolean()) {
            order.add(k); // duplicated
          }
        }
        Collections.shuffle(order, r);
        for (int k : order) {
          s.merge(ME.state(), dev(senders.get(k)), sent.get(k), now);
        }
      }
      for (ContactSync s : all) {
        assertEquals(book(devices[0]), book(s), () -> "seed " + seed + " ops " + ops);
        assertEquals(devices[0].view().conflicts(), s.view().conflicts());
      }
    });
  }
}
