package dev.wormholes.node.stream;

import dev.wormholes.proto.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler on the node's one UDP socket: sort every datagram to the node's control
 * protocol, the QUIC client codec or the QUIC server codec.
 *
 * <p>Netty builds a QUIC codec for one role per channel, and each codec swallows every datagram
 * it is given. So the socket's pipeline is
 * {@code [demultiplexer, server codec, client tap, client codec]}: datagrams go to the server
 * codec through this handler's own context and to the client codec through the tap's context,
 * which skips the server codec. Outbound packets of both codecs flow down the same pipeline to
 * the socket. The rule:
 *
 * <ol>
 *   <li>first byte {@code Limits.FIRST_BYTE} (0x0D, fixed bit clear): a control datagram, to the
 *       {@link DatagramSink};
 *   <li>fixed bit (0x40) clear otherwise, or empty, or longer than allowed: dropped and counted;
 *   <li>a QUIC packet whose destination connection id is one this node chose as a client (every
 *       packet a server sends to our client carries our client's source id as its destination):
 *       to the client codec;
 *   <li>any other QUIC packet: to the server codec, which accepts new connections (whose first
 *       packets carry a destination id the remote client drew at random) and serves its own.
 * </ol>
 *
 * <p>Client connection ids are registered here before the dial and forgotten when the connection
 * closes; quiche issues no further ids on the client side (Netty configures no id generator
 * there), so the set is exact.
 */
final class QuicDemultiplexer extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(QuicDemultiplexer.class);
  /** Connection id length of both codecs (quiche's maximum). */
  static final int CID_LENGTH = 20;
  /** Largest datagram accepted at all (QUIC packets are at most maxRecvUdpPayloadSize). */
  static final int MAX_DATAGRAM = 1500;

  private final DatagramSink sink;
  /** Sinks for other first bytes with the QUIC fixed bit clear (0x00..0x3F), by first byte. */
  private final DatagramSink[] extraSinks = new DatagramSink[0x40];
  private final Set<ByteBuffer> clientIds = ConcurrentHashMap.newKeySet();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder toClient = new LongAdder();
  private final LongAdder toServer = new LongAdder();
  private final LongAdder toSink = new LongAdder();
  // Set once when the pipeline is built, then read on the event loop only.
  private volatile ChannelHandlerContext clientTap;
  private volatile ChannelHandlerContext self;
  /** Whether a read batch of the socket is being delivered (loop-confined). */
  private boolean inRead;

  QuicDemultiplexer(DatagramSink sink) {
    this.sink = sink;
  }

  /** The no-op handler placed right before the client codec, whose context feeds that codec. */
  static final class ClientTap extends ChannelDuplexHandler {
    private final QuicDemultiplexer demux;

    ClientTap(QuicDemultiplexer demux) {
      this.demux = demux;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      demux.clientTap = ctx;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    self = ctx;
  }

  /**
   * Feed a QUIC packet that reached this node another way (a relay circuit, a side socket) to the
   * codecs as if it came from {@code sender}; call on the socket's event loop. Takes ownership of
   * {@code content}.
   */
  void inject(InetSocketAddress sender, ByteBuf content) {
    ChannelHandlerContext ctx = self;
    if (ctx == null) {
      content.release();
      return;
    }
    InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
    routeQuic(ctx, new DatagramPacket(content, local, sender));
    if (!inRead) { // inside a read batch the batch's own read-complete flushes the codecs once
      channelReadComplete(ctx);
    }
  }

  /** Route packets whose destination connection id is {@code id} to the client codec. */
  void registerClientId(byte[] id) {
    clientIds.add(ByteBuffer.wrap(id.clone()));
  }

  /** Stop routing {@code id} to the client codec. */
  void forgetClientId(byte[] id) {
    clientIds.remove(ByteBuffer.wrap(id));
  }

  /**
   * Deliver datagrams whose first byte is {@code first} (0x00..0x3F, not the DHT's 0x0D) to
   * {@code sink}; null removes it. Set it before traffic arrives: the table is read on the loop.
   */
  synchronized void setSink(int first, DatagramSink sink) {
    if (first < 0 || first >= extraSinks.length || first == Limits.FIRST_BYTE) {
      throw new IllegalArgumentException("first byte not available for a sink: " + first);
    }
    extraSinks[first] = sink;
  }

  /** Return the number of client ids registered (for leak tests). */
  int clientIdCount() {
    return clientIds.size();
  }

  /** Return counters: {control, server, client, dropped}. */
  long[] counters() {
    return new long[] {toSink.sum(), toServer.sum(), toClient.sum(), dropped.sum()};
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    if (!(msg instanceof DatagramPacket)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    DatagramPacket p = (DatagramPacket) msg;
    ByteBuf c = p.content();
    int n = c.readableBytes();
    if (n == 0 || n > MAX_DATAGRAM) {
      drop(p);
      return;
    }
    byte first = c.getByte(c.readerIndex());
    if (first == Limits.FIRST_BYTE) {
      deliverToSink(p);
    } else if ((first & 0x40) == 0) {
      DatagramSink extra = first >= 0 && first < extraSinks.length ? extraSinks[first] : null;
      if (extra == null) {
        drop(p);
      } else {
        deliverTo(extra, p);
      }
    } else {
      routeQuic(ctx, p);
    }
  }

  /**
   * Hand the QUIC packet {@code p} to the client codec if its destination connection id is one of
   * ours, else to the server codec ({@code ctx} is this handler's context). Also the entry for
   * QUIC packets that arrived by another way than this socket (a relay circuit, a side socket).
   */
  void routeQuic(ChannelHandlerContext ctx, DatagramPacket p) {
    ByteBuf c = p.content();
    if (c.readableBytes() == 0 || (c.getByte(c.readerIndex()) & 0x40) == 0) {
      drop(p);
    } else if (isForClient(c)) {
      toClient.increment();
      clientTap.fireChannelRead(p);
    } else {
      toServer.increment();
      ctx.fireChannelRead(p);
    }
  }

  private void deliverToSink(DatagramPacket p) {
    if (p.content().readableBytes() > Limits.MAX_DATAGRAM) {
      drop(p);
      return;
    }
    deliverTo(sink, p);
  }

  private void deliverTo(DatagramSink target, DatagramPacket p) {
    try {
      toSink.increment();
      target.onDatagram(p.sender(), p.content());
    } catch (RuntimeException e) {
      LOG.warn("datagram sink threw", e); // never escapes the event loop
    } finally {
      p.release();
    }
  }

  private void drop(DatagramPacket p) {
    dropped.increment();
    p.release();
  }

  /** Return whether the QUIC packet in {@code c} is addressed to one of our client ids. */
  private boolean isForClient(ByteBuf c) {
    int r = c.readerIndex();
    int n = c.readableBytes();
    int off;
    int len;
    if ((c.getByte(r) & 0x80) != 0) { // long header: flags, version(4), dcid length, dcid
      if (n < 6) {
        return false;
      }
      len = c.getUnsignedByte(r + 5);
      off = r + 6;
    } else { // short header: flags, dcid of our fixed length
      len = CID_LENGTH;
      off = r + 1;
    }
    if (len != CID_LENGTH || off + len > r + n || clientIds.isEmpty()) {
      return false;
    }
    byte[] id = new byte[len];
    c.getBytes(off, id);
    return clientIds.contains(ByteBuffer.wrap(id));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    // Both codecs batch work until read-complete, and neither passes the event on.
    ctx.fireChannelReadComplete();
    clientTap.fireChannelReadComplete();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.warn("UDP socket error", cause); // a UDP socket survives ICMP errors and the like
  }
}
