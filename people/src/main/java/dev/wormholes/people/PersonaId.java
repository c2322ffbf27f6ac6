package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.Optional;

/**
 * A persona's id: SHA-256 of its inception event as held, in the 52-character base32 text form of
 * node ids. It never changes, whatever keys and devices the log goes through.
 */
public record PersonaId(NodeId value) {
  /** Return the id of the 32-byte digest {@code bytes}. */
  public static PersonaId of(byte[] bytes) {
    return new PersonaId(NodeId.of(bytes));
  }

  /** Return the id whose text form is {@code text}, or empty (for user input). */
  public static Optional<PersonaId> parse(String text) {
    return NodeId.parse(text).map(PersonaId::new);
  }

  /** Return the 32 bytes. */
  public byte[] toBytes() {
    return value.toBytes();
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
