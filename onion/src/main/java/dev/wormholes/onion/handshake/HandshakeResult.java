package dev.wormholes.onion.handshake;

/**
 * The outcome of a handshake step: a value, or the {@link HandshakeFailure} that stopped it.
 *
 * @param <T> the value of a successful step
 */
public sealed interface HandshakeResult<T> permits HandshakeResult.Ok, HandshakeResult.Failed {

  /** A successful step. @param value what the step produced */
  record Ok<T>(T value) implements HandshakeResult<T> {}

  /** A refused step. @param failure the first check that failed */
  record Failed<T>(HandshakeFailure failure) implements HandshakeResult<T> {}

  /** Return the value; throw {@link IllegalStateException} if this is a failure (tests only). */
  default T orThrow() {
    if (this instanceof Ok<T> ok) {
      return ok.value();
    }
    throw new IllegalStateException("handshake failed: " + ((Failed<T>) this).failure());
  }
}
