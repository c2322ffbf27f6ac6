package dev.wormholes.node.nat;

import dev.wormholes.nat.portmap.HttpRequest;
import dev.wormholes.nat.portmap.PortMapEvent;
import dev.wormholes.nat.portmap.PortMapProtocol;
import dev.wormholes.nat.portmap.PortMapper;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.node.runtime.Transports;
import dev.wormholes.proto.engine.Transmit;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link PortMapper} on the socket's event loop: its PCP/NAT-PMP/SSDP datagrams go
 * through a small side socket bound to our address on the gateway's LAN (the requests name the
 * main socket's port as the internal port, so the mapping forwards to the main socket); its UPnP
 * HTTP requests run on {@link HttpClient} with 2-second timeouts and answer back on the loop.
 * Nothing is ever sent except to the {@link DefaultGateway} (private addresses only) and the SSDP
 * group. {@link #stop()} deletes the mapping.
 */
final class PortMapDriver {
  private static final Logger LOG = LoggerFactory.getLogger(PortMapDriver.class);
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(2);

  /** Told about the mapping in force (endpoint null: none), on the loop. */
  interface Listener {
    /** The mapping is now {@code endpoint} (null: none) by {@code protocol} for {@code lifetimeS}. */
    void onMapping(InetSocketAddress endpoint, PortMapProtocol protocol, long lifetimeS);
  }

  private final EventLoop loop;
  private final DefaultGateway gateway;
  private final PortMapper mapper;
  private final Listener listener;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT)
      .followRedirects(HttpClient.Redirect.NEVER).build();
  // Event loop only.
  private Channel channel;
  private ScheduledFuture<?> timer;
  private int httpInFlight;
  private boolean stopped;
  private String status = "starting";

  PortMapDriver(EventLoop loop, DefaultGateway gateway, int internalPort, RandomGenerator random, Listener listener) {
    this.loop = loop;
    this.gateway = gateway;
    this.listener = listener;
    this.mapper = new PortMapper(PortMapper.Config.of(gateway.gateway(), gateway.local(), internalPort), random);
  }

  /** Bind the side socket and start mapping (call on the loop). */
  void start() {
    new Bootstrap().group(loop).channel(Transports.datagramChannel())
        .option(io.netty.channel.ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048))
        .handler(new Inbound())
        .bind(new InetSocketAddress(gateway.local(), 0))
        .addListener(f -> {
          if (!f.isSuccess()) {
            status = "cannot bind a socket on " + gateway.local().getHostAddress() + ": " + f.cause();
            LOG.info("port mapping off: {}", status);
            return;
          }
          channel = ((io.netty.channel.ChannelFuture) f).channel();
          mapper.start(MonotonicClock.now());
          drain();
        });
  }

  private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
      try {
        mapper.handleDatagram(p.sender(), ByteBufUtil.getBytes(p.content()), MonotonicClock.now());
        drain();
      } catch (RuntimeException e) {
        LOG.warn("port mapping: error handling a datagram from {}", p.sender(), e);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("port mapping socket: {}", cause.toString());
    }
  }

  private void drain() {
    for (var t = mapper.pollTransmit(); t.isPresent(); t = mapper.pollTransmit()) {
      send(t.get());
    }
    for (var r = mapper.pollHttpRequest(); r.isPresent(); r = mapper.pollHttpRequest()) {
      request(r.get());
    }
    for (var e = mapper.pollEvent(); e.isPresent(); e = mapper.pollEvent()) {
      onEvent(e.get());
    }
    rearm();
  }

  private void send(Transmit t) {
    boolean toGateway = t.to().getAddress().equals(gateway.gateway()) || t.to().getAddress().isMulticastAddress();
    if (channel == null || !toGateway) {
      return; // the engine only ever names the gateway or the SSDP group; belt and braces
    }
    channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(t.payload()), t.to()));
  }

  private void request(HttpRequest r) {
    URI uri;
    try {
      uri = URI.create(r.url());
    } catch (IllegalArgumentException e) {
      mapper.handleHttpFailure(r.id(), "bad url", MonotonicClock.now());
      return;
    }
    if (uri.getHost() == null || !uri.getHost().equals(gateway.gateway().getHostAddress())) {
      // A description may point elsewhere; we talk to our gateway only.
      mapper.handleHttpFailure(r.id(), "url not on the gateway: " + r.url(), MonotonicClock.now());
      return;
    }
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT);
    r.headers().forEach(b::header);
    b.method(r.method(), r.body().isEmpty() ? java.net.http.HttpRequest.BodyPublishers.noBody()
        : java.net.http.HttpRequest.BodyPublishers.ofString(r.body(), StandardCharsets.UTF_8));
    httpInFlight++;
    http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .whenComplete((resp, err) -> loop.execute(() -> {
          httpInFlight--;
          long now = MonotonicClock.now();
          if (err != null) {
            mapper.handleHttpFailure(r.id(), err.toString(), now);
          } else {
            String body = resp.body();
            mapper.handleHttpResponse(r.id(), resp.statusCode(),
                body.length() > 65_536 ? body.substring(0, 65_536) : body, now);
          }
          drain();
        }));
  }

  private void onEvent(PortMapEvent e) {
    if (e instanceof PortMapEvent.MappingAcquired a) {
      status = "mapped " + a.endpoint() + " by " + a.protocol();
      LOG.info("port mapping: {} -> local port, by {}, lease {} s", a.endpoint(), a.protocol(), a.lifetimeSeconds());
      listener.onMapping(a.endpoint(), a.protocol(), a.lifetimeSeconds());
    } else if (e instanceof PortMapEvent.MappingLost l) {
      status = "lost: " + l.reason();
      listener.onMapping(null, l.protocol(), 0);
    } else if (e instanceof PortMapEvent.MappingUnavailable u) {
      status = "unavailable: " + u.reason();
      LOG.info("port mapping unavailable on gateway {}: {}", gateway.gateway().getHostAddress(), u.reason());
      listener.onMapping(null, null, 0);
    }
  }

  private void rearm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (stopped) {
      return;
    }
    mapper.pollTimeout().ifPresent(at -> timer = loop.schedule(() -> {
      timer = null;
      mapper.handleTimeout(MonotonicClock.now());
      drain();
    }, Math.max(0, at - MonotonicClock.now()), TimeUnit.MILLISECONDS));
  }

  /** Return the datagrams refused because they were not from the gateway. */
  long refusedCount() {
    return mapper.refusedCount();
  }

  /** Return a one-line status. */
  String status() {
    return status;
  }

  /**
   * Delete the mapping (call on the loop) and complete once the delete request is out and its
   * HTTP answer (UPnP) is in, or after two seconds; then close the side socket.
   */
  CompletableFuture<Void> stop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    mapper.stop(MonotonicClock.now());
    drain();
    stopped = true;
    rearm();
    long until = MonotonicClock.now() + 2_000;
    waitHttp(done, until);
    return done;
  }

  private void waitHttp(CompletableFuture<Void> done, long until) {
    if (httpInFlight == 0 || MonotonicClock.now() >= until) {
      // Give a last datagram a moment to leave before the socket goes.
      loop.schedule(() -> {
        if (channel != null) {
          channel.close();
        }
        done.complete(null);
      }, 50, TimeUnit.MILLISECONDS);
      return;
    }
    loop.schedule(() -> waitHttp(done, until), 20, TimeUnit.MILLISECONDS);
  }
}
