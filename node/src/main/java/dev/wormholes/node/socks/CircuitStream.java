package dev.wormholes.node.socks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DuplexChannel;

/**
 * A stream through an onion circuit, accepted by the far end and waiting for the local side it
 * carries ({@link StreamDialer#dialOnion}).
 */
public interface CircuitStream {
  /**
   * Carry {@code client}'s bytes (first {@code early}, if not null; taken over) to the far end and
   * the far end's to it, with half-closure, until both ended or either failed. {@code client} is
   * handed over with reading paused; the stream resumes it once its own handler is installed (bytes
   * read before would pass it by). A stream that fails resets {@code client} rather than ending it.
   */
  void attach(DuplexChannel client, ByteBuf early);

  /** End the stream without attaching (the local side went away first). */
  void abort();
}
