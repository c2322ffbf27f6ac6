/**
 * Cell codecs: {@link dev.wormholes.onion.cell.ChannelCellCodec} (circuit id, command, fixed-size
 * payload, between neighbours) and {@link dev.wormholes.onion.cell.RelayMessageCodec} (the header
 * inside a decrypted relay cell body). Decoders return a typed {@link
 * dev.wormholes.onion.cell.CellDropReason}, never throw on peer bytes.
 */
package dev.wormholes.onion.cell;
