package dev.wormholes.node.stream;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps on the QUIC connections other nodes open to this one: at most {@code maxTotal} at once, and
 * at most {@code maxPerPeer} from one IP address (a peer's connections all come from its address;
 * its node id is proven only later, in the handshake). A connection over a cap is closed as soon
 * as it becomes active and counted. The handler of the server codec: it also logs
 * connection-level failures and lets none escape (quiche closes a failed connection itself).
 */
@ChannelHandler.Sharable
final class ConnectionCaps extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionCaps.class);

  private final int maxTotal;
  private final int maxPerPeer;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<InetAddress, AtomicInteger> perPeer = new ConcurrentHashMap<>();
  private final LongAdder refusedTotal = new LongAdder();
  private final LongAdder refusedPerPeer = new LongAdder();

  ConnectionCaps(int maxTotal, int maxPerPeer) {
    this.maxTotal = maxTotal;
    this.maxPerPeer = maxPerPeer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetAddress ip = ipOf(ctx.channel() instanceof QuicChannel q ? q.remoteSocketAddress() : null);
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      refusedTotal.increment();
      LOG.debug("QUIC connection from {} refused: {} connections open", ip, maxTotal);
      ctx.close();
      return;
    }
    if (ip != null) {
      AtomicInteger n = perPeer.computeIfAbsent(ip, k -> new AtomicInteger());
      if (n.incrementAndGet() > maxPerPeer) {
        release(ip, n);
        total.decrementAndGet();
        refusedPerPeer.increment();
        LOG.debug("QUIC connection from {} refused: {} open from that address", ip, maxPerPeer);
        ctx.close();
        return;
      }
      ctx.channel().closeFuture().addListener(f -> release(ip, n));
    }
    ctx.channel().closeFuture().addListener(f -> total.decrementAndGet());
    ctx.fireChannelActive();
  }

  private void release(InetAddress ip, AtomicInteger n) {
    if (n.decrementAndGet() <= 0) {
      perPeer.remove(ip, n); // a racing increment on the removed counter only loosens the cap once
    }
  }

  private static InetAddress ipOf(SocketAddress a) {
    return a instanceof InetSocketAddress s ? s.getAddress() : null;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("QUIC connection {} failed: {}", ctx.channel(), cause.toString());
  }

  /** Return the accepted connections open now. */
  int open() {
    return total.get();
  }

  /** Return the connections refused because {@code maxTotal} were open. */
  long refusedTotal() {
    return refusedTotal.sum();
  }

  /** Return the connections refused because {@code maxPerPeer} were open from the same address. */
  long refusedPerPeer() {
    return refusedPerPeer.sum();
  }
}
