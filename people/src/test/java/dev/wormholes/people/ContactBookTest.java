package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContactBookTest {
  private static Contact contact(String name, KeyLog log) {
    return new Contact(name, log, false, ContactState.ACCEPTED, 1_700_000_000L, "invite", Optional.empty());
  }

  private static ContactBook.Refusal refusal(ContactBook.Edit e) {
    return ((ContactBook.Edit.Refused) e).refusal();
  }

  @Test
  void editsKeepNamesAndPersonasUnique() {
    ContactBook book = new ContactBook();
    TestPersona alice = new TestPersona(30);
    TestPersona bob = new TestPersona(31);
    assertTrue(book.add(contact("alice", alice.log)) instanceof ContactBook.Edit.Done);
    assertEquals(ContactBook.Refusal.ALREADY_A_CONTACT, refusal(book.add(contact("al", alice.log))));
    assertEquals(ContactBook.Refusal.NAME_TAKEN, refusal(book.add(contact("alice", bob.log))));
    assertEquals(ContactBook.Refusal.BAD_PETNAME, refusal(book.add(contact("Bob.wh", bob.log))));
    assertEquals("alice-2", book.freePetname("alice"));
    book.add(contact("bob", bob.log));
    assertEquals(ContactBook.Refusal.NAME_TAKEN, refusal(book.rename("bob", "alice")));
    book.rename("bob", "robert");
    assertEquals("robert", book.byPersona(bob.state().persona()).orElseThrow().petname());
    assertTrue(book.get("bob").isEmpty());
    assertEquals(ContactBook.Refusal.NO_SUCH_CONTACT, refusal(book.remove("bob")));
    book.remove("robert");
    assertTrue(book.byPersona(bob.state().persona()).isEmpty());
    assertEquals(List.of("alice"), book.all().stream().map(Contact::petname).toList());
  }

  @Test
  void onlyAcceptedContactsDevicesAreKnown() {
    ContactBook book = new ContactBook();
    TestPersona alice = new TestPersona(32);
    book.add(contact("alice", alice.log));
    Identity device = alice.devices.get(0);
    assertEquals("alice", book.acceptedOwnerOf(device.id()).orElseThrow().petname());
    book.block("alice", "asked to");
    assertTrue(book.acceptedOwnerOf(device.id()).isEmpty());
    assertEquals(ContactState.BLOCKED, book.get("alice").orElseThrow().state());
    book.unblock("alice");
    assertTrue(book.acceptedOwnerOf(device.id()).isPresent());
    assertFalse(book.get("alice").orElseThrow().verified());
    book.verify("alice");
    assertTrue(book.get("alice").orElseThrow().verified());
  }

  @Test
  void changesTheLogExplainsAreInformationAndRePin() {
    ContactBook book = new ContactBook();
    TestPersona alice = new TestPersona(33);
    book.add(contact("alice", alice.log));
    Identity laptop = alice.addDevice();
    alice.rotate();
    List<ContactBook.Event> events = book.observeLog(alice.log);
    assertEquals(2, events.size());
    assertFalse(events.get(0).blocked());
    assertTrue(events.get(0).text().contains("device " + laptop.id() + " added"), events.get(0).text());
    assertTrue(events.get(1).text().contains("rotated to the pre-committed key"));
    Contact c = book.get("alice").orElseThrow();
    assertEquals(alice.state().head(), c.pinned());
    assertEquals(ContactState.ACCEPTED, c.state());
    assertTrue(book.acceptedOwnerOf(laptop.id()).isPresent());
    assertTrue(book.observeLog(alice.log).isEmpty());
  }

  @Test
  void duplicityBlocksUntilReverified() {
    ContactBook book = new ContactBook();
    TestPersona alice = new TestPersona(34);
    KeyState base = alice.state();
    alice.addDevice();
    book.add(contact("alice", alice.log));
    KeyLog fork = KeyLog.verify(List.of(alice.log.event(0))).orThrow().append(Events.deviceAdd(base,
        alice.signer, Events.device(Identity.generate(alice.random), alice.signer.publicKey()))).orThrow();
    List<ContactBook.Event> events = book.observeLog(fork);
    assertTrue(events.get(0).blocked());
    Contact c = book.get("alice").orElseThrow();
    assertEquals(ContactState.BLOCKED, c.state());
    assertTrue(c.blockReason().orElseThrow().contains("duplicity"), c.blockReason().toString());
    // While blocked, nothing re-pins it; the person re-verifies with unblock.
    assertTrue(book.observeLog(fork).isEmpty());
    assertEquals(alice.state().head(), c.pinned());
    book.unblock("alice");
    assertEquals(ContactState.ACCEPTED, book.get("alice").orElseThrow().state());
  }

  @Test
  void aLogGoingBackwardsAndAnUnknownDeviceBlock() {
    TestPersona alice = new TestPersona(35);
    KeyLog old = alice.log;
    alice.addDevice();
    ContactBook book = new ContactBook();
    book.add(contact("alice", alice.log));
    assertTrue(book.observeLog(old).get(0).text().contains("went backwards from seq 1 to seq 0"));
    ContactBook other = new ContactBook();
    other.add(contact("alice", alice.log));
    assertTrue(other.observeDevice(alice.state().persona(), alice.devices.get(1).id()).isEmpty());
    Identity stranger = Identity.generate(alice.random);
    ContactBook.Event e = other.observeDevice(alice.state().persona(), stranger.id()).get(0);
    assertTrue(e.blocked());
    assertTrue(e.text().contains("never added"), e.text());
  }

  @Test
  void contactsRoundTripThroughTheirStoredForm() {
    TestPersona alice = new TestPersona(36);
    alice.addDevice();
    Contact c = new Contact("alice", alice.log, true, ContactState.BLOCKED, 1_700_000_123L, "bob",
        Optional.of("duplicity: two different events signed for seq 1"));
    Contact back = ContactCodec.decode(ContactCodec.encode(c)).orElseThrow();
    assertEquals(c.petname(), back.petname());
    assertEquals(c.pinned(), back.pinned());
    assertEquals(c.log().state(), back.log().state());
    assertEquals(c.state(), back.state());
    assertEquals(c.firstSeen(), back.firstSeen());
    assertEquals(c.introducedBy(), back.introducedBy());
    assertEquals(c.blockReason(), back.blockReason());
    assertTrue(back.verified());
    assertTrue(ContactCodec.decode(new byte[] {1, 2, 3}).isEmpty());
  }
}
