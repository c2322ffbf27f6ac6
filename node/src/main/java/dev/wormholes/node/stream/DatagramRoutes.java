package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last outbound handler before the UDP socket: offers each written datagram to the installed
 * {@link DatagramRoute}s that may take its recipient (GSO batches split into their packets first),
 * and lets the socket send what none of them takes (GSO batches for other recipients untouched).
 */
final class DatagramRoutes extends ChannelOutboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(DatagramRoutes.class);
  private final List<DatagramRoute> routes = new CopyOnWriteArrayList<>();

  void add(DatagramRoute route) {
    routes.add(route);
  }

  void remove(DatagramRoute route) {
    routes.remove(route);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (routes.isEmpty() || !(msg instanceof DatagramPacket p)) {
      ctx.write(msg, promise);
      return;
    }
    InetSocketAddress to = p.recipient();
    if (!claimed(to)) {
      ctx.write(msg, promise); // GSO batches stay whole for every peer no route may take
      return;
    }
    ByteBuf all = p.content();
    if (!(p instanceof SegmentedDatagramPacket seg)) {
      if (offer(to, all)) {
        promise.trySuccess();
      } else {
        ctx.write(msg, promise);
      }
      return;
    }
    // A GSO batch: routes see one packet at a time; what no route takes goes out one by one.
    int size = seg.segmentSize();
    try {
      while (all.isReadable()) {
        ByteBuf one = all.readRetainedSlice(Math.min(size, all.readableBytes()));
        if (!offer(to, one)) {
          ctx.write(new DatagramPacket(one, to));
        }
      }
      promise.trySuccess();
    } finally {
      p.release();
    }
  }

  private boolean claimed(InetSocketAddress to) {
    for (DatagramRoute r : routes) {
      if (r.handles(to)) {
        return true;
      }
    }
    return false;
  }

  private boolean offer(InetSocketAddress to, ByteBuf packet) {
    for (DatagramRoute r : routes) {
      try {
        if (r.handles(to) && r.send(to, packet)) {
          return true;
        }
      } catch (RuntimeException e) {
        LOG.warn("datagram route threw", e); // never escapes the event loop
      }
    }
    return false;
  }
}
