package dev.wormholes.node.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;

/**
 * A UDP socket that the runtime shares with another protocol (QUIC streams): the owner binds it on
 * the runtime's event loop, hands the runtime every datagram whose first byte is {@code
 * Limits.FIRST_BYTE}, and sends the runtime's datagrams. The runtime never closes it on the loop;
 * {@link UdpRuntime#close()} calls {@link #close()} from its own thread after the engine stopped.
 */
public interface SharedSocket extends AutoCloseable {
  /** Receives the runtime's datagrams, on the runtime's event loop; {@code content} is released after. */
  @FunctionalInterface
  interface Inbound {
    /** Take one datagram from {@code from}. */
    void onDatagram(InetSocketAddress from, ByteBuf content);
  }

  /** Installs a receiver of another protocol's datagrams ({@link UdpRuntime#setSink} is one, behind the budget). */
  @FunctionalInterface
  interface Sinks {
    /** Deliver datagrams of first byte {@code first} to {@code inbound}; null removes it. */
    void setSink(int first, Inbound inbound);
  }

  /** Binds the shared socket. */
  @FunctionalInterface
  interface Opener {
    /**
     * Bind {@code listen} with the socket's channel registered on {@code loop}, delivering the
     * runtime's datagrams to {@code inbound}; throw if the bind fails.
     */
    SharedSocket open(EventLoop loop, InetSocketAddress listen, Inbound inbound) throws Exception;
  }

  /** Return the bound address. */
  InetSocketAddress localAddress();

  /**
   * Deliver datagrams of first byte {@code first} (another protocol's: 0x0E, 0x0F) to {@code
   * inbound} on the loop; null removes it. {@link UdpRuntime#setSink} puts the per-source budget
   * in front.
   */
  void setSink(int first, Inbound inbound);

  /** Send one of the runtime's datagrams (called on the loop). */
  void send(InetSocketAddress to, byte[] datagram);

  /** Send a datagram of another protocol (first byte 0x00..0x3F, not 0x0D; a private network's sealed 0x10). */
  default void sendRaw(InetSocketAddress to, byte[] datagram) {
    throw new UnsupportedOperationException("this socket sends only the runtime's datagrams");
  }

  /** Close the socket (not on the loop). */
  @Override
  void close();
}
