package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.ContactEntry;
import dev.wormholes.people.wire.ContactStamp;
import dev.wormholes.proto.NodeId;
import java.util.Optional;

/** A {@link ContactSync.Entry} to and from its wire and stored form ({@code ContactEntry} in people.proto). */
public final class ContactEntryCodec {
  private ContactEntryCodec() {}

  /** Return {@code e} as sent (with its log, if any) or stored ({@code changedAt} set, no log: the contact holds it). */
  public static ContactEntry encode(ContactSync.Entry e, boolean withLog, long changedAt) {
    ContactEntry.Builder b = ContactEntry.newBuilder()
        .setPersona(ByteString.copyFrom(e.persona().toBytes()))
        .setPetname(e.petname()).setNameAt(stamp(e.nameAt()))
        .setState(e.state().ordinal()).setBlockReason(e.blockReason()).setStateAt(stamp(e.stateAt()))
        .setVerified(e.verified()).setVerifiedAt(stamp(e.verifiedAt()))
        .setRemovedAt(stamp(e.removedAt()))
        .setFirstSeen(e.firstSeen()).setIntroducedBy(e.introducedBy())
        .setChangedAt(changedAt);
    if (withLog) {
      e.log().ifPresent(l -> b.setLog(ContactCodec.wire(l)));
    }
    return b.build();
  }

  /** Return the entry {@code w} is, its log {@code log} when {@code w} carries none; empty if malformed. */
  public static Optional<ContactSync.Entry> decode(ContactEntry w, Optional<KeyLog> log) {
    Optional<NodeId> persona = NodeId.tryOf(w.getPersona().toByteArray());
    if (persona.isEmpty() || w.getState() >= ContactState.values().length) {
      return Optional.empty();
    }
    Optional<KeyLog> l = log;
    if (w.hasLog()) {
      if (!(KeyLog.decode(w.getLog().toByteArray()) instanceof LogResult.Valid v)) {
        return Optional.empty();
      }
      l = Optional.of(v.log());
    }
    Optional<ContactSync.Stamp> name = stamp(w.getNameAt());
    Optional<ContactSync.Stamp> state = stamp(w.getStateAt());
    Optional<ContactSync.Stamp> verified = stamp(w.getVerifiedAt());
    Optional<ContactSync.Stamp> removed = stamp(w.getRemovedAt());
    if (name.isEmpty() || state.isEmpty() || verified.isEmpty() || removed.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ContactSync.Entry(new PersonaId(persona.get()), w.getPetname(), name.get(),
        ContactState.values()[w.getState()], w.getBlockReason(), state.get(), w.getVerified(), verified.get(),
        removed.get(), w.getFirstSeen(), w.getIntroducedBy(), l));
  }

  private static ContactStamp stamp(ContactSync.Stamp s) {
    return ContactStamp.newBuilder().setTime(s.time()).setDevice(ByteString.copyFrom(s.device().toBytes())).build();
  }

  private static Optional<ContactSync.Stamp> stamp(ContactStamp s) {
    return NodeId.tryOf(s.getDevice().toByteArray()).map(d -> new ContactSync.Stamp(s.getTime(), d));
  }
}
