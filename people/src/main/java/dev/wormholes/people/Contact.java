package dev.wormholes.people;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One contact: a person this node knows by a petname, pinned to a head of their key log.
 *
 * @param petname the name this person gave them (see {@link #validPetname})
 * @param log the pinned key log; its head is the pinned head
 * @param verified whether the person checked the contact out of band
 * @param state where it stands
 * @param firstSeen Unix seconds when it was first added
 * @param introducedBy how it came ("invite", or the petname of who introduced it)
 * @param blockReason why it is blocked, when it is
 */
public record Contact(
    String petname,
    KeyLog log,
    boolean verified,
    ContactState state,
    long firstSeen,
    String introducedBy,
    Optional<String> blockReason) {
  private static final Pattern PETNAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  /** Return whether {@code name} is a petname: 1-32 lower-case letters, digits or '-', no leading '-'. */
  public static boolean validPetname(String name) {
    return PETNAME.matcher(name).matches();
  }

  /** Return the persona id. */
  public PersonaId persona() {
    return log.state().persona();
  }

  /** Return the pinned head. */
  public LogHead pinned() {
    return log.state().head();
  }

  /** Return whether this contact's devices may use this node's services. */
  public boolean accepted() {
    return state == ContactState.ACCEPTED;
  }

  /** Return a copy with another petname. */
  public Contact withPetname(String name) {
    return new Contact(name, log, verified, state, firstSeen, introducedBy, blockReason);
  }

  /** Return a copy in {@code s}, with {@code reason} when blocked. */
  public Contact withState(ContactState s, Optional<String> reason) {
    return new Contact(petname, log, verified, s, firstSeen, introducedBy, reason);
  }

  /** Return a copy marked verified (checked out of band). */
  public Contact withVerified() {
    return new Contact(petname, log, true, state, firstSeen, introducedBy, blockReason);
  }

  /** Return a copy pinned to {@code newLog}. */
  public Contact withLog(KeyLog newLog) {
    return new Contact(petname, newLog, verified, state, firstSeen, introducedBy, blockReason);
  }
}
