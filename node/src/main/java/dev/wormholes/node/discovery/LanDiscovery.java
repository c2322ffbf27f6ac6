package dev.wormholes.node.discovery;

import dev.wormholes.nat.lan.Announce;
import dev.wormholes.nat.lan.LanAnnouncer;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.proto.NodeId;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of {@link LanAnnouncer}: multicast announce and listen on every up, multicast-capable
 * IPv4 interface (TTL 1: the announce never leaves the link). The engine decides when to announce
 * and which heard announces are reported (to {@code onPeer}); this class owns the sockets and the
 * timer. The listening socket is bound to the group address, so a unicast datagram to the port is
 * never an announce. Runs on its own NIO thread.
 */
public final class LanDiscovery implements AutoCloseable {
  /** The default group and port: 239.255.74.47:7448 (IPv4 organization-local scope). */
  public static final InetSocketAddress DEFAULT_GROUP = new InetSocketAddress("239.255.74.47", 7448);
  private static final Logger LOG = LoggerFactory.getLogger(LanDiscovery.class);

  private final InetSocketAddress group;
  private final Announce self;
  private final Consumer<LanAnnouncer.Heard> onPeer;
  private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1,
      new DefaultThreadFactory("wormholes-lan", true), NioIoHandler.newFactory());
  private final List<Channel> senders = new ArrayList<>();
  private Channel receiver;
  // Loop thread only (set in open).
  private LanAnnouncer engine;

  private LanDiscovery(InetSocketAddress group, Announce self, Consumer<LanAnnouncer.Heard> onPeer) {
    this.group = group;
    this.self = self;
    this.onPeer = onPeer;
  }

  /**
   * Start announcing {@code id} with DHT port {@code udpPort} in network {@code networkId} on
   * {@code group}, reporting other nodes to {@code onPeer} (called on the discovery thread).
   * Interfaces that fail are skipped with a warning; with none usable, discovery idles.
   */
  public static LanDiscovery start(InetSocketAddress group, NodeId id, int udpPort, long networkId,
      Consumer<LanAnnouncer.Heard> onPeer) {
    LanDiscovery d = new LanDiscovery(group, new Announce(networkId, id, udpPort), onPeer);
    d.open();
    return d;
  }

  private void open() {
    List<NetworkInterface> nis = interfaces();
    List<Map.Entry<InetAddress, Integer>> links = new ArrayList<>();
    for (NetworkInterface ni : nis) {
      for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
        links.add(Map.entry(ia.getAddress(), (int) ia.getNetworkPrefixLength()));
      }
    }
    engine = new LanAnnouncer(self, LocalAddresses.onLinks(links), nowMs());
    Bootstrap rb = new Bootstrap().group(loop)
        .channelFactory(() -> new NioDatagramChannel(SocketProtocolFamily.INET))
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Announce.LENGTH + 1))
        .handler(new Receiver());
    try {
      // Bound to the group address: only datagrams sent to the group arrive, never unicast ones.
      receiver = rb.bind(group).sync().channel();
      for (NetworkInterface ni : nis) {
        ((NioDatagramChannel) receiver).joinGroup(group, ni).sync();
        senders.add(sender(ni));
      }
    } catch (Exception e) {
      LOG.warn("LAN discovery is not available: {}", e.toString());
    }
    loop.execute(this::tick);
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000L;
  }

  // Loop thread: feed the engine its timeout, send what it says, sleep until it is next due.
  private void tick() {
    long now = nowMs();
    engine.handleTimeout(now);
    byte[] announce = engine.pollTransmit();
    if (announce != null) {
      announce(announce);
    }
    loop.schedule(this::tick, Math.max(1, engine.pollTimeout() - now), TimeUnit.MILLISECONDS);
  }

  private Channel sender(NetworkInterface ni) throws InterruptedException {
    InetAddress local = ipv4(ni);
    return new Bootstrap().group(loop)
        .channelFactory(() -> new NioDatagramChannel(SocketProtocolFamily.INET))
        .option(ChannelOption.IP_MULTICAST_IF, ni)
        .option(ChannelOption.IP_MULTICAST_TTL, 1)
        .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, false)
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
            // senders only send
          }
        })
        .bind(new InetSocketAddress(local, 0)).sync().channel();
  }

  private static List<NetworkInterface> interfaces() {
    List<NetworkInterface> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (ni.isUp() && ni.supportsMulticast() && !ni.isPointToPoint() && ipv4(ni) != null) {
          out.add(ni);
        }
      }
    } catch (SocketException e) {
      LOG.warn("cannot list network interfaces: {}", e.toString());
    }
    return out;
  }

  private static InetAddress ipv4(NetworkInterface ni) {
    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
      if (a instanceof Inet4Address) {
        return a;
      }
    }
    return null;
  }

  private void announce(byte[] bytes) {
    for (Channel s : senders) {
      s.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), group)).addListener(f -> {
        if (!f.isSuccess()) {
          LOG.debug("LAN announce failed on {}: {}", s.localAddress(), f.cause().toString());
        }
      });
    }
  }

  private final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      engine.handleDatagram(ByteBufUtil.getBytes(packet.content()), packet.sender().getAddress(), nowMs())
          .ifPresent(LanDiscovery.this::heard);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("LAN discovery socket error: {}", cause.toString());
    }
  }

  private void heard(LanAnnouncer.Heard h) {
    try {
      onPeer.accept(h);
    } catch (RuntimeException e) {
      LOG.warn("LAN discovery peer handler failed", e);
    }
  }

  /** Stop announcing and listening. */
  @Override
  public void close() {
    loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
