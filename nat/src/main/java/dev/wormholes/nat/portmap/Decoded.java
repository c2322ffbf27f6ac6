package dev.wormholes.nat.portmap;

/**
 * The outcome of decoding untrusted bytes: a value or a typed failure, never an exception.
 *
 * @param <T> the decoded type
 */
public sealed interface Decoded<T> {
  /** Why a reply was refused. */
  enum Failure {
    /** Shorter or longer than the message's layout. */
    BAD_LENGTH,
    /** A version this decoder does not speak. */
    BAD_VERSION,
    /** Not a response, or a response to another opcode. */
    BAD_OPCODE,
    /** Did not come from the gateway's address and port. */
    WRONG_SOURCE,
    /** Answers another request (nonce, port or protocol differ). */
    MISMATCH,
    /** Text that does not parse (HTTP, XML). */
    MALFORMED,
    /** The gateway answered with a non-success result code. */
    REFUSED
  }

  /** A decoded value. @param value the value */
  record Ok<T>(T value) implements Decoded<T> {}

  /**
   * A refused input.
   *
   * @param failure the reason class
   * @param detail a short human-readable detail (result code, element name)
   * @param resultCode the gateway's result code for {@link Failure#REFUSED}, else -1
   */
  record Err<T>(Failure failure, String detail, int resultCode) implements Decoded<T> {}

  /** Return a failure without result code. */
  static <T> Decoded<T> err(Failure f, String detail) {
    return new Err<>(f, detail, -1);
  }

  /** Return whether this is a value. */
  default boolean isOk() {
    return this instanceof Ok;
  }

  /** Return the value; throw if this is a failure (tests and already-checked code only). */
  default T orThrow() {
    if (this instanceof Ok<T> ok) {
      return ok.value();
    }
    throw new IllegalStateException("decode failed: " + this);
  }
}
