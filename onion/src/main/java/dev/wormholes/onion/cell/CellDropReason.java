package dev.wormholes.onion.cell;

/** Why a cell decoder refused its bytes; the caller drops the cell and counts the reason. */
public enum CellDropReason {
  /** A channel cell is not exactly {@link ChannelCellCodec#CELL_BYTES} bytes. */
  WRONG_CELL_SIZE,
  /** A command that belongs to a circuit arrived with circuit id 0. */
  ZERO_CIRCUIT_ID,
  /** A relay cell body is not exactly {@code RelayCrypto.BODY_BYTES} bytes. */
  WRONG_BODY_SIZE,
  /** A relay message's LENGTH exceeds {@link RelayMessageCodec#MAX_DATA}. */
  DATA_TOO_LONG
}
