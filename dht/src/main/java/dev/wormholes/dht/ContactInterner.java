package dev.wormholes.dht;

/**
 * Return a canonical instance for a contact the engine is about to keep (in its routing table).
 * The default returns its argument; the simulator hands one shared interner to all its engines so
 * that a node known to many engines costs one {@link Contact} (memory per simulated node is a budget: contacts are
 * shared).
 */
@FunctionalInterface
public interface ContactInterner {
  /** Return a contact equal to {@code contact}, possibly a shared instance. */
  Contact intern(Contact contact);

  /** Return the interner that shares nothing. */
  static ContactInterner identity() {
    return c -> c;
  }
}
