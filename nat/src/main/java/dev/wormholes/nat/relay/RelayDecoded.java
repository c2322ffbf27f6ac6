package dev.wormholes.nat.relay;

/** The outcome of {@link RelayCodec#decode}: a message or the typed reason there is none. */
public sealed interface RelayDecoded {

  /** A well-formed message. */
  record Ok(RelayMessage message) implements RelayDecoded {}

  /** Not a well-formed message, and why. */
  record Failed(RelayFailure failure) implements RelayDecoded {}
}
