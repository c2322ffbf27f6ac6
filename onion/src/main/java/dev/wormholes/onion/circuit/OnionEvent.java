package dev.wormholes.onion.circuit;

import dev.wormholes.proto.NodeId;
import java.util.List;

/** What an {@link OnionEngine} reports to its driver. */
public sealed interface OnionEvent {

  /**
   * A circuit this node originated is built to its last hop.
   *
   * @param circuit the handle {@link OnionEngine#buildCircuit} returned
   * @param hops the node ids of the hops, nearest first
   * @param buildMs milliseconds from the build command to the last hop's answer
   */
  record CircuitBuilt(long circuit, List<NodeId> hops, long buildMs) implements OnionEvent {}

  /**
   * A circuit this node originated did not get built; its state is gone.
   *
   * @param circuit the handle
   * @param reason why
   * @param hopsBuilt how many hops had answered: the hop at this index (0 the first) is the one
   *     the circuit did not reach
   */
  record CircuitFailed(long circuit, CloseReason reason, int hopsBuilt) implements OnionEvent {}

  /**
   * A relay message arrived on a circuit this node is an end of: any command but the engine's own
   * (EXTEND2, EXTENDED2), for the layer above (streams) to interpret.
   *
   * @param circuit at the originator the build handle, at the far end the handle the engine gave
   *     the circuit (use it with {@link OnionEngine#send} to answer)
   * @param fromHop at the originator the hop that sent it (0 nearest), at the far end -1
   * @param command the relay command ({@link OnionEngine#RELAY_DATA} for {@link OnionEngine#send}'s bytes)
   * @param streamId the stream id the sender put in the message (0 from {@link OnionEngine#send(long, byte[])})
   * @param data the bytes, at most {@code RelayMessageCodec.MAX_DATA}
   * @param tag the cell's authenticator ({@code ClientCircuitCrypto.lastTag}; the sender got the same
   *     bytes from {@link OnionEngine#sendTagged})
   * @param neighbour the neighbour the circuit runs through: at the originator hop 0, at the far
   *     end the previous hop (a rendezvous point counts cookies per neighbour by it)
   */
  record Data(long circuit, int fromHop, int command, int streamId, byte[] data, byte[] tag,
      NodeId neighbour) implements OnionEvent {}

  /**
   * A built circuit (or one that delivered data at its far end) is gone.
   *
   * @param circuit the handle
   * @param reason why
   */
  record CircuitClosed(long circuit, CloseReason reason) implements OnionEvent {}

  /** Why a circuit ended. */
  enum CloseReason {
    /** This node's driver closed it. */
    REQUESTED,
    /** A neighbour sent DESTROY. */
    DESTROYED,
    /** A cell was not recognised where it had to be: the circuit was tampered with. */
    TAMPERED,
    /** A hop's handshake reply did not verify. */
    HANDSHAKE_FAILED,
    /** The build did not finish within {@code OnionConfig.buildTimeoutMs}. */
    TIMEOUT,
    /** A neighbour broke the protocol on this circuit (an extend too many, a message out of turn). */
    PROTOCOL,
    /** The driver reported the link to a neighbour on the circuit gone ({@code handleLinkDown}). */
    LINK_LOST
  }
}
