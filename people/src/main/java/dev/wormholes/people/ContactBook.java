package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A person's contacts by petname and by persona, with the trust-on-first-use rule applied to
 * every log and device observed ({@link Tofu}). Edits return the new contact or a refusal; what
 * changed is for the caller to persist. Single-threaded; bounded by {@link #MAX_CONTACTS}.
 */
public final class ContactBook {
  /** Most contacts held. */
  public static final int MAX_CONTACTS = 1024;

  /** Why an edit was refused. */
  public enum Refusal {
    /** Not a petname (see {@link Contact#validPetname}). */
    BAD_PETNAME,
    /** Another contact has that petname. */
    NAME_TAKEN,
    /** That persona is a contact already (under the petname given in the message). */
    ALREADY_A_CONTACT,
    /** {@link #MAX_CONTACTS} reached. */
    FULL,
    /** No contact has that petname. */
    NO_SUCH_CONTACT
  }

  /** The outcome of an edit. */
  public sealed interface Edit {
    /** Done; {@code contact} is the contact as it is now (as it was, for a removal). */
    record Done(Contact contact) implements Edit {}

    /** Refused, with one sentence for a person. */
    record Refused(Refusal refusal, String message) implements Edit {}
  }

  /** Something a person should see about a contact. */
  public record Event(String petname, boolean blocked, String text) {}

  private final Map<String, Contact> byName = new TreeMap<>();
  private final Map<PersonaId, String> nameOf = new HashMap<>();

  /** Add {@code c}. */
  public Edit add(Contact c) {
    if (!Contact.validPetname(c.petname())) {
      return refused(Refusal.BAD_PETNAME, "not a petname: '" + c.petname()
          + "' (1-32 lower-case letters, digits or '-')");
    }
    if (nameOf.containsKey(c.persona())) {
      return refused(Refusal.ALREADY_A_CONTACT, "persona " + c.persona() + " is already the contact '"
          + nameOf.get(c.persona()) + "'");
    }
    if (byName.containsKey(c.petname())) {
      return refused(Refusal.NAME_TAKEN, "the petname '" + c.petname() + "' is taken");
    }
    if (byName.size() >= MAX_CONTACTS) {
      return refused(Refusal.FULL, "there are " + MAX_CONTACTS + " contacts already");
    }
    put(c);
    return new Edit.Done(c);
  }

  /** Return a petname not taken yet: {@code wanted} if free and valid, else it with -2, -3, .... */
  public String freePetname(String wanted) {
    String base = Contact.validPetname(wanted) ? wanted : "friend";
    String name = base;
    for (int i = 2; byName.containsKey(name); i++) {
      String suffix = "-" + i;
      name = base.substring(0, Math.min(base.length(), 32 - suffix.length())) + suffix;
    }
    return name;
  }

  /** Rename {@code from} to {@code to}. */
  public Edit rename(String from, String to) {
    Optional<Contact> c = get(from);
    if (c.isEmpty()) {
      return noSuch(from);
    }
    if (!Contact.validPetname(to)) {
      return refused(Refusal.BAD_PETNAME, "not a petname: '" + to + "'");
    }
    if (byName.containsKey(to) && !to.equals(from)) {
      return refused(Refusal.NAME_TAKEN, "the petname '" + to + "' is taken");
    }
    byName.remove(from);
    Contact renamed = c.get().withPetname(to);
    put(renamed);
    return new Edit.Done(renamed);
  }

  /** Block {@code name} with {@code reason}. */
  public Edit block(String name, String reason) {
    return replace(name, c -> c.withState(ContactState.BLOCKED, Optional.of(reason)));
  }

  /**
   * Unblock {@code name}: the person re-verified it, so it is accepted and pinned to the log it
   * has now.
   */
  public Edit unblock(String name) {
    return replace(name, c -> c.withState(ContactState.ACCEPTED, Optional.empty()));
  }

  /** Mark {@code name} verified: the person compared its persona id out of band. */
  public Edit verify(String name) {
    return replace(name, Contact::withVerified);
  }

  /** Mark {@code name} accepted (an approved request or a finished invite). */
  public Edit accept(String name) {
    return unblock(name);
  }

  /** Remove {@code name}. */
  public Edit remove(String name) {
    Contact c = byName.remove(name);
    if (c == null) {
      return noSuch(name);
    }
    nameOf.remove(c.persona());
    return new Edit.Done(c);
  }

  /** Return the contact called {@code name}. */
  public Optional<Contact> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Return the contact of {@code persona}. */
  public Optional<Contact> byPersona(PersonaId persona) {
    return Optional.ofNullable(nameOf.get(persona)).map(byName::get);
  }

  /** Return the accepted contact whose pinned log lists {@code node} as a device now. */
  public Optional<Contact> acceptedOwnerOf(NodeId node) {
    for (Contact c : byName.values()) {
      if (c.accepted() && c.log().state().hasDevice(node)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Return the contact, in any state, whose pinned log lists {@code node} as a device now. */
  public Optional<Contact> ownerOf(NodeId node) {
    for (Contact c : byName.values()) {
      if (c.log().state().hasDevice(node)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Return every contact by petname. */
  public List<Contact> all() {
    return new ArrayList<>(byName.values());
  }

  /**
   * Judge a verified log seen for a contact: re-pin on an explained change, block on an
   * unexplained one. Return what the person should see, if anything.
   */
  public List<Event> observeLog(KeyLog seen) {
    Optional<Contact> found = byPersona(seen.state().persona());
    if (found.isEmpty() || found.get().state() == ContactState.BLOCKED) {
      return List.of();
    }
    Contact c = found.get();
    Tofu.Verdict v = Tofu.judgeLog(c.log(), seen);
    if (v instanceof Tofu.Verdict.Explained e) {
      put(c.withLog(e.log()));
      return e.changes().stream().map(line -> new Event(c.petname(), false, line)).toList();
    }
    if (v instanceof Tofu.Verdict.Unexplained u) {
      put(c.withState(ContactState.BLOCKED, Optional.of(u.reason())));
      return List.of(new Event(c.petname(), true, u.reason()));
    }
    return List.of();
  }

  /** Judge a record of {@code persona} signed by device {@code node}. */
  public List<Event> observeDevice(PersonaId persona, NodeId node) {
    Optional<Contact> found = byPersona(persona);
    if (found.isEmpty() || found.get().state() == ContactState.BLOCKED) {
      return List.of();
    }
    Contact c = found.get();
    if (Tofu.judgeDevice(c.log(), node) instanceof Tofu.Verdict.Unexplained u) {
      put(c.withState(ContactState.BLOCKED, Optional.of(u.reason())));
      return List.of(new Event(c.petname(), true, u.reason()));
    }
    return List.of();
  }

  private Edit replace(String name, java.util.function.UnaryOperator<Contact> change) {
    Optional<Contact> c = get(name);
    if (c.isEmpty()) {
      return noSuch(name);
    }
    Contact next = change.apply(c.get());
    put(next);
    return new Edit.Done(next);
  }

  private void put(Contact c) {
    byName.put(c.petname(), c);
    nameOf.put(c.persona(), c.petname());
  }

  private static Edit noSuch(String name) {
    return refused(Refusal.NO_SUCH_CONTACT, "no contact is called '" + name + "'");
  }

  private static Edit refused(Refusal r, String message) {
    return new Edit.Refused(r, message);
  }
}
