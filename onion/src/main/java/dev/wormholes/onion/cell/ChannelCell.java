package dev.wormholes.onion.cell;

/**
 * A fixed-size cell between two neighbours.
 *
 * @param circuitId the circuit on this link, unsigned 32 bits (0 only for link-level commands)
 * @param command what the payload is
 * @param payload exactly {@link ChannelCellCodec#PAYLOAD_BYTES} bytes
 */
public record ChannelCell(long circuitId, CellCommand command, byte[] payload) {
  /** Check the ranges. */
  public ChannelCell {
    if (circuitId < 0 || circuitId > 0xffffffffL || payload.length != ChannelCellCodec.PAYLOAD_BYTES) {
      throw new IllegalArgumentException("circuit id is u32 and the payload 509 bytes");
    }
  }
}
