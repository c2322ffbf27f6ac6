package dev.wormholes.onion.circuit;

import dev.wormholes.proto.NodeId;

/**
 * A cell for the driver to send on the link to a neighbour.
 *
 * @param neighbour the node id at the other end of the link
 * @param cell the encoded channel cell, {@code ChannelCellCodec.CELL_BYTES} bytes
 */
public record OnionTransmit(NodeId neighbour, byte[] cell) {}
