package dev.wormholes.nat.relay;

import dev.wormholes.proto.NodeId;

/**
 * The relay datagrams (layouts in {@link RelayCodec}). Who sends what:
 *
 * <pre>
 *   requester A              relay R                     target B (registered with R)
 *   Open(nonce, B)   ----->
 *                            Incoming(circuit)   ----->
 *                                                <-----  Accept(circuit)
 *                  <-----    Opened(nonce, circuit)
 *   Data(circuit, p) <---->  forwards unchanged  <---->  Data(circuit, p)
 *   Close(circuit, r) ---->  forwards Close(BY_PEER) --> (either direction)
 *   Keepalive(circuit) --->  (not forwarded)    <-----  Keepalive(circuit)
 * </pre>
 *
 * A refused open is answered with {@link Refused}. Nothing is signed: a circuit only forwards
 * between the two addresses it was bound to, and QUIC with TLS pinned to node ids runs end to end
 * inside the Data datagrams.
 */
public sealed interface RelayMessage {

  /**
   * Ask the relay for a circuit to {@code target}.
   *
   * @param nonce the requester's id for this open; a repeated Open with the same nonce from the
   *     same address is the same open (retries are idempotent)
   * @param target the node id of the target
   */
  record Open(long nonce, NodeId target) implements RelayMessage {}

  /**
   * The circuit asked for by the Open with {@code nonce} is established.
   *
   * @param nonce the Open's nonce
   * @param circuit the circuit id, chosen at random by the relay
   */
  record Opened(long nonce, long circuit) implements RelayMessage {}

  /**
   * The Open with {@code nonce} is refused.
   *
   * @param nonce the Open's nonce
   * @param reason why
   */
  record Refused(long nonce, RelayReason reason) implements RelayMessage {}

  /**
   * Relay to target: a node asks for a circuit to you; answer with {@link Accept}.
   *
   * @param circuit the circuit id
   */
  record Incoming(long circuit) implements RelayMessage {}

  /**
   * Target to relay: the circuit is accepted.
   *
   * @param circuit the circuit id
   */
  record Accept(long circuit) implements RelayMessage {}

  /**
   * A QUIC packet on a circuit. The relay forwards the whole datagram unchanged.
   *
   * @param circuit the circuit id
   * @param datagram the whole datagram as received or to be sent; the packet is bytes
   *     {@link RelayCodec#DATA_HEADER} to the end (not copied: treat as owned by the holder)
   */
  record Data(long circuit, byte[] datagram) implements RelayMessage {
    /** Return the offset of the QUIC packet in {@link #datagram}. */
    public int packetOffset() {
      return RelayCodec.DATA_HEADER;
    }

    /** Return the length of the QUIC packet. */
    public int packetLength() {
      return datagram.length - RelayCodec.DATA_HEADER;
    }
  }

  /**
   * Close a circuit (an end to the relay, or the relay to an end).
   *
   * @param circuit the circuit id
   * @param reason why
   */
  record Close(long circuit, RelayReason reason) implements RelayMessage {}

  /**
   * An end to the relay while its circuit is quiet: keeps the end's NAT binding to the relay
   * alive (a requester is not registered with the relay, so nothing else would) and the circuit
   * with it. Never answered, never forwarded.
   *
   * @param circuit the circuit id
   */
  record Keepalive(long circuit) implements RelayMessage {}
}
