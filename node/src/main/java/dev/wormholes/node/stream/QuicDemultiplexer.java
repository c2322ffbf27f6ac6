package dev.wormholes.node.stream;

import dev.wormholes.proto.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Map;
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
 * <p>Loopback peers (optional, see {@code StreamTransport.Builder#loopbackPayload}): a socket bound
 * to a loopback address can carry QUIC packets as large as the loopback interface allows, so it
 * gets a second pair of codecs with large packets, {@code [loopback server tap, loopback server
 * codec]} after the server codec and {@code [loopback client tap, loopback client codec]} after
 * the client codec, and a {@link ConnectRouter} at the tail hands dials to loopback addresses to
 * the loopback client codec. Then rule 3 sends a packet to the client codec its id was registered
 * for, and rule 4 sends packets whose <em>sender</em> is a loopback address to the loopback server
 * codec.
 * QUIC packets longer than {@link #MAX_DATAGRAM} are accepted only from loopback senders and only
 * when the loopback codecs exist (up to {@code loopbackMax}); from anyone else they are dropped,
 * so nothing changes for other peers.
 *
 * <p>Client connection ids are registered here for the dial and forgotten when the connection
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
  /** Largest QUIC datagram accepted from a loopback sender; 0: no loopback codecs. */
  private final int loopbackMax;
  /** Sinks for other first bytes with the QUIC fixed bit clear (0x00..0x3F), by first byte. */
  private final DatagramSink[] extraSinks = new DatagramSink[0x40];
  /** Our client connection ids, each mapped to whether the loopback client codec holds it. */
  private final Map<ByteBuffer, Boolean> clientIds = new ConcurrentHashMap<>();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder toClient = new LongAdder();
  private final LongAdder toServer = new LongAdder();
  private final LongAdder toSink = new LongAdder();
  private final LongAdder toLoopback = new LongAdder();
  private final LongAdder large = new LongAdder();
  // Set once when the pipeline is built, then read on the event loop only.
  private volatile ChannelHandlerContext clientTap;
  private volatile ChannelHandlerContext loopbackServerTap;
  private volatile ChannelHandlerContext loopbackClientTap;
  private volatile ChannelHandlerContext self;
  /** Whether QUIC packets read from the socket itself are dropped (only injected ones pass). */
  private volatile boolean directOff;
  /** Whether a read batch of the socket is being delivered (loop-confined). */
  private boolean inRead;

  /**
   * Make a demultiplexer; {@code loopbackMax} > {@link #MAX_DATAGRAM} means the pipeline has
   * loopback codecs (and taps) and accepts QUIC datagrams up to that length from loopback senders.
   */
  QuicDemultiplexer(DatagramSink sink, int loopbackMax) {
    this.sink = sink;
    this.loopbackMax = loopbackMax > MAX_DATAGRAM ? loopbackMax : 0;
  }

  /** Which codec a {@link Tap}'s context feeds. */
  enum TapRole { CLIENT, LOOPBACK_SERVER, LOOPBACK_CLIENT }

  /** A no-op handler placed right before a codec (not the server codec), whose context feeds it. */
  static final class Tap extends ChannelDuplexHandler {
    private final QuicDemultiplexer demux;
    private final TapRole role;

    Tap(QuicDemultiplexer demux, TapRole role) {
      this.demux = demux;
      this.role = role;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      switch (role) {
        case CLIENT -> demux.clientTap = ctx;
        case LOOPBACK_SERVER -> demux.loopbackServerTap = ctx;
        case LOOPBACK_CLIENT -> demux.loopbackClientTap = ctx;
        default -> throw new IllegalStateException();
      }
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

  /**
   * Route packets whose destination connection id is {@code id} to the client codec, the loopback
   * one if {@code loopback}.
   */
  void registerClientId(byte[] id, boolean loopback) {
    clientIds.put(ByteBuffer.wrap(id.clone()), loopback && loopbackMax > 0);
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

  /** Drop QUIC packets read from the socket from now on; {@link #inject} still routes. */
  void refuseDirectQuic() {
    directOff = true;
  }

  /** Return the number of client ids registered (for leak tests). */
  int clientIdCount() {
    return clientIds.size();
  }

  /**
   * Return counters: {control, server, client, dropped, of server and client those to the
   * loopback codecs, QUIC datagrams over {@link #MAX_DATAGRAM} bytes accepted}.
   */
  long[] counters() {
    return new long[] {toSink.sum(), toServer.sum(), toClient.sum(), dropped.sum(),
        toLoopback.sum(), large.sum()};
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
    if (n == 0) {
      drop(p);
      return;
    }
    byte first = c.getByte(c.readerIndex());
    if (first == Limits.FIRST_BYTE) {
      deliverToSink(p);
    } else if ((first & 0x40) == 0) {
      DatagramSink extra = first >= 0 && first < extraSinks.length ? extraSinks[first] : null;
      if (extra == null || n > MAX_DATAGRAM) {
        drop(p);
      } else {
        deliverTo(extra, p);
      }
    } else if (directOff) {
      drop(p);
    } else {
      routeQuic(ctx, p);
    }
  }

  /**
   * Hand the QUIC packet {@code p} to the client codec its destination connection id was
   * registered for, else to a server codec: the loopback one for a loopback sender (when there
   * is one), the other one else ({@code ctx} is this handler's context). Drop it if it is longer
   * than its sender may send. Also the entry for QUIC packets that arrived by another way than
   * this socket (a relay circuit, a side socket).
   */
  void routeQuic(ChannelHandlerContext ctx, DatagramPacket p) {
    ByteBuf c = p.content();
    int n = c.readableBytes();
    boolean loopbackSender = loopbackMax > 0 && isLoopback(p.sender());
    if (n == 0 || (c.getByte(c.readerIndex()) & 0x40) == 0
        || n > (loopbackSender ? loopbackMax : MAX_DATAGRAM)) {
      drop(p);
      return;
    }
    if (n > MAX_DATAGRAM) {
      large.increment();
    }
    Boolean loopbackClient = clientCodecOf(c);
    if (loopbackClient != null) {
      toClient.increment();
      if (loopbackClient) {
        toLoopback.increment();
        loopbackClientTap.fireChannelRead(p);
      } else {
        clientTap.fireChannelRead(p);
      }
    } else {
      toServer.increment();
      if (loopbackSender) {
        toLoopback.increment();
        loopbackServerTap.fireChannelRead(p);
      } else {
        ctx.fireChannelRead(p);
      }
    }
  }

  /** Return whether {@code a} is a loopback address (127.0.0.0/8, ::1). */
  static boolean isLoopback(InetSocketAddress a) {
    InetAddress ip = a == null ? null : a.getAddress();
    return ip != null && ip.isLoopbackAddress();
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

  /**
   * Return whether the QUIC packet in {@code c} is addressed to one of our client ids held by the
   * loopback client codec (true) or the other one (false); null if to none of our client ids.
   */
  private Boolean clientCodecOf(ByteBuf c) {
    int r = c.readerIndex();
    int n = c.readableBytes();
    int off;
    int len;
    if ((c.getByte(r) & 0x80) != 0) { // long header: flags, version(4), dcid length, dcid
      if (n < 6) {
        return null;
      }
      len = c.getUnsignedByte(r + 5);
      off = r + 6;
    } else { // short header: flags, dcid of our fixed length
      len = CID_LENGTH;
      off = r + 1;
    }
    if (len != CID_LENGTH || off + len > r + n || clientIds.isEmpty()) {
      return null;
    }
    byte[] id = new byte[len];
    c.getBytes(off, id);
    return clientIds.get(ByteBuffer.wrap(id));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    // Every codec batches work until read-complete, and none passes the event on.
    ctx.fireChannelReadComplete();
    clientTap.fireChannelReadComplete();
    if (loopbackMax > 0) {
      loopbackServerTap.fireChannelReadComplete();
      loopbackClientTap.fireChannelReadComplete();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.warn("UDP socket error", cause); // a UDP socket survives ICMP errors and the like
  }
}
