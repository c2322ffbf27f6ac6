package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * Receiver of the node's own control datagrams (first byte {@code Limits.FIRST_BYTE}, 0x0D) that
 * arrive on the shared UDP socket. Called on the socket's event loop; {@code content} is released
 * after the call returns, so copy what you keep. Must not throw.
 */
@FunctionalInterface
public interface DatagramSink {
  /** Take a datagram of at most {@code Limits.MAX_DATAGRAM} bytes from {@code sender}. */
  void onDatagram(InetSocketAddress sender, ByteBuf content);
}
