package dev.wormholes.onion.circuit;

import dev.wormholes.onion.circuit.OnionEngine.Link;
import dev.wormholes.onion.crypto.ClientCircuitCrypto;
import dev.wormholes.onion.crypto.RelayCrypto;
import dev.wormholes.onion.handshake.NtorV3;
import java.util.ArrayDeque;
import java.util.List;

/** One circuit as this node holds it: originated ({@code prev == null}) or relayed. */
final class Circuit {
  final long handle;
  final Link prev;
  Link next;
  final ArrayDeque<OnionTransmit> queue = new ArrayDeque<>();
  boolean active;
  boolean dead;
  // Relay side.
  RelayCrypto.RelayLayer layer;
  boolean nextPending;
  int earlyCells;
  boolean surfaced;
  // Originator side.
  ClientCircuitCrypto crypto;
  List<Hop> path;
  NtorV3.ClientState handshake;
  long startedAt;
  long deadline;
  boolean built;
  // Rendezvous: the circuit this relay end is joined to, or an originator's end-to-end last layer.
  Circuit spliced;
  boolean endToEnd;

  Circuit(long handle, Link prev) {
    this.handle = handle;
    this.prev = prev;
  }
}
