package dev.wormholes.people;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.ContactRecord;
import java.util.Optional;

/** A contact to and from its stored form ({@code ContactRecord} in people.proto). */
public final class ContactCodec {
  private ContactCodec() {}

  /** Return the stored form of {@code c}. */
  public static byte[] encode(Contact c) {
    LogHead head = c.pinned();
    return ContactRecord.newBuilder()
        .setPetname(c.petname())
        .setPersona(ByteString.copyFrom(c.persona().toBytes()))
        .setPinnedSeq(head.seq())
        .setPinnedDigest(ByteString.copyFrom(head.digest()))
        .setVerified(c.verified())
        .setState(c.state().ordinal())
        .setFirstSeen(c.firstSeen())
        .setIntroducedBy(c.introducedBy())
        .setBlockReason(c.blockReason().orElse(""))
        .setLog(wire(c.log()))
        .build()
        .toByteArray();
  }

  /** Return the contact stored as {@code bytes}, or empty if they are not one (or its log is bad). */
  public static Optional<Contact> decode(byte[] bytes) {
    ContactRecord r;
    try {
      r = ContactRecord.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    if (!(KeyLog.decode(r.getLog().toByteArray()) instanceof LogResult.Valid v)
        || r.getState() >= ContactState.values().length
        || !java.util.Arrays.equals(v.log().state().persona().toBytes(), r.getPersona().toByteArray())) {
      return Optional.empty();
    }
    return Optional.of(new Contact(r.getPetname(), v.log(), r.getVerified(),
        ContactState.values()[r.getState()], r.getFirstSeen(), r.getIntroducedBy(),
        r.getBlockReason().isEmpty() ? Optional.empty() : Optional.of(r.getBlockReason())));
  }

  /** Return {@code log} as the wire message. */
  public static dev.wormholes.people.wire.KeyLogWire wire(KeyLog log) {
    try {
      return dev.wormholes.people.wire.KeyLogWire.parseFrom(log.encode());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a KeyLog always encodes", e);
    }
  }
}
