package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * Another way out for the QUIC packets of some peer addresses: a relay circuit (the address is a
 * synthetic one standing for the circuit) or a side socket (a birthday-punched path). Installed with
 * {@link StreamTransport#addRoute}; asked for every datagram the codecs write, on the socket's event
 * loop, one QUIC packet at a time (GSO batches are split first). Must not throw.
 */
@FunctionalInterface
public interface DatagramRoute {
  /**
   * Take {@code packet} for {@code recipient} and return true (then the route owns and releases
   * {@code packet}), or return false to leave it to the next route and finally the socket.
   */
  boolean send(InetSocketAddress recipient, ByteBuf packet);

  /**
   * Return whether this route may take packets for {@code recipient} at all. A GSO batch for a
   * recipient no route may take goes to the socket whole; only batches for recipients some route
   * may take are split into their packets. Default: any recipient.
   */
  default boolean handles(InetSocketAddress recipient) {
    return true;
  }
}
