package dev.wormholes.onion.circuit;

/** Why an {@link OnionEngine} dropped or refused something; each is counted in {@link OnionStats}. */
public enum Refusal {
  /** A cell of the wrong size. */
  WRONG_CELL_SIZE,
  /** A circuit command with circuit id 0. */
  ZERO_CIRCUIT_ID,
  /** A command this engine does not handle. */
  UNKNOWN_COMMAND,
  /** A cell for a circuit id this link does not have. */
  UNKNOWN_CIRCUIT,
  /** A CREATE2 whose circuit id is in the half this node picks from on that link. */
  WRONG_ID_HALF,
  /** A CREATE2 for a circuit id already in use on that link. */
  CIRCUIT_ID_IN_USE,
  /** A CREATE2 beyond the neighbour's token bucket. */
  CREATE_BUDGET,
  /** A CREATE2 while the handshake queue was full. */
  CREATE_QUEUE_FULL,
  /** A CREATE2 that waited longer than {@code OnionConfig.maxCreateDelayMs} for its handshake. */
  CREATE_QUEUE_DELAY,
  /** A CREATE2 beyond {@code OnionConfig.maxCircuitsPerNeighbour}. */
  CIRCUITS_PER_NEIGHBOUR,
  /** A CREATE2 beyond {@code OnionConfig.maxCircuits}. */
  CIRCUITS_TOTAL,
  /** A CREATE2 or CREATED2 whose handshake did not verify. */
  HANDSHAKE_FAILED,
  /** A cell that does not fit the circuit's state (CREATED2 nobody waits for, DATA before built). */
  UNEXPECTED_CELL,
  /** A recognised relay message that does not decode. */
  MALFORMED_MESSAGE,
  /** A RELAY_EARLY beyond {@code OnionConfig.maxExtends}, or an EXTEND2 in a plain RELAY cell. */
  EXTEND_LIMIT,
  /** A relay cell nobody on the path recognised: the circuit is destroyed. */
  TAMPERED,
  /** A queued cell evicted (oldest first) because its circuit's queue passed its byte cap. */
  QUEUE_EVICTED
}
