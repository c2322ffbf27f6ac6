package dev.wormholes.proto;

import dev.wormholes.proto.wire.Packet;

/**
 * The outcome of {@link PacketCodec#decode}: a packet whose peer-controlled fields passed every
 * syntactic check, or the reason the datagram was dropped. Never an exception.
 *
 * <pre>{@code
 * DecodeResult r = PacketCodec.decode(bytes, networkId);
 * if (r instanceof DecodeResult.Ok ok) {
 *   engine.handlePacket(from, ok.packet(), now);
 * } else {
 *   drops.merge(((DecodeResult.Dropped) r).reason(), 1, Integer::sum);
 * }
 * }</pre>
 */
public sealed interface DecodeResult permits DecodeResult.Ok, DecodeResult.Dropped {

  /**
   * A valid packet: magic, version and network match; ids, keys and targets are 32 bytes;
   * endpoints have 4- or 16-byte addresses and ports 1..65535; counts and sizes are within {@link
   * Limits}. Signed values inside are <em>not</em> verified: see {@link DhtValues#check}.
   *
   * @param packet the parsed packet
   */
  record Ok(Packet packet) implements DecodeResult {}

  /**
   * A dropped datagram.
   *
   * @param reason the first check that failed
   */
  record Dropped(DropReason reason) implements DecodeResult {}

  /** Return whether this is an {@link Ok}. */
  default boolean isOk() {
    return this instanceof Ok;
  }
}
