package dev.wormholes.node.stream;

import dev.wormholes.node.stream.IdentityCertificates.CertifiedKey;
import dev.wormholes.node.stream.IdentityCertificates.Verification;
import dev.wormholes.node.stream.IdentityCertificates.Verified;
import dev.wormholes.people.PersonUrl;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secure streams between nodes: QUIC (TLS 1.3, mutual authentication by identity certificates)
 * on the node's one UDP socket, which also carries the node's control datagrams.
 *
 * <p>One socket accepts QUIC connections and dials them: a {@link QuicDemultiplexer} feeds a
 * server codec and a client codec on the same channel (see its Javadoc for the routing rule). A
 * socket bound to a loopback address has a second pair for loopback peers, with packets as large
 * as the loopback interface carries ({@link Builder#loopbackPayload}); a {@link ConnectRouter}
 * hands each dial to the client codec of its destination's kind.
 * {@link #connect} dials (or reuses) a connection to a pinned node id and opens a stream to a named
 * service; {@link #expose} makes a service reachable. Streams opened by the peer on either kind of
 * connection are served the same way.
 *
 * <p>Thread-safe. {@link #close()} closes the socket and, if it owns it, the event loop group.
 */
public final class StreamTransport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamTransport.class);
  /** ALPN protocol id of Wormholes streams. */
  public static final String ALPN = "wormholes/1";
  static final AttributeKey<NodeId> PEER = AttributeKey.valueOf("wormholes.peer");
  private static final AttributeKey<NodeId> EXPECTED = AttributeKey.valueOf("wormholes.expected");
  /** How long the handshake of a connection this node dialled took, in ms (about a round trip). */
  private static final AttributeKey<Long> HANDSHAKE_MS = AttributeKey.valueOf("wormholes.handshakeMs");
  /** Largest datagram payload for loopback peers: the loopback interface's MTU allows it. */
  static final int LOOPBACK_PAYLOAD = LoopbackMtu.payload();
  /** Bytes of read slots per recvmmsg call when slots are sized for loopback datagrams. */
  private static final int LOOPBACK_READ_BYTES = 512 * 1024;

  private final Identity identity;
  private final Clock clock;
  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private final IdentityTrustManager trust;
  private final QuicDemultiplexer demux;
  private final DatagramRoutes routes = new DatagramRoutes();
  private final Channel socket;
  private final Map<String, Exposure> services = new ConcurrentHashMap<>();
  private volatile StreamGate gate = StreamGate.EXPOSURE;
  private final Map<ConnectionKey, CompletableFuture<QuicChannel>> connections =
      new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final long handshakeTimeoutMs;
  private final Consumer<QuicChannelBootstrap> dialTuning;
  private final SegmentedDatagramPacketAllocator segments;
  private final RawSends rawSends;
  /** The GSO allocator of the loopback codecs (null: plain sends). */
  private final SegmentedDatagramPacketAllocator loopbackSegments;
  /** The largest packet to loopback peers; 0: loopback peers share the other codecs. */
  private final int loopbackPayload;
  /** Hands dials to the loopback or the other client codec; null without loopback codecs. */
  private final ConnectRouter router;
  private final RetryTokens retryTokens;
  private final ConnectionCaps caps;
  private final StreamBytes bytes = new StreamBytes();

  private record ConnectionKey(InetSocketAddress address, NodeId node) {}

  private StreamTransport(Builder b) throws InterruptedException {
    this.identity = Objects.requireNonNull(b.identity, "identity");
    this.clock = b.clock;
    this.ownsGroup = b.group == null;
    this.group = ownsGroup ? NettyTransports.newGroup(1) : b.group;
    this.trust = new IdentityTrustManager(clock);
    this.loopbackPayload = b.loopbackPayload > QuicDemultiplexer.MAX_DATAGRAM
        && b.bind.getAddress() != null && b.bind.getAddress().isLoopbackAddress()
        ? b.loopbackPayload : 0;
    this.demux = new QuicDemultiplexer(b.sink, loopbackPayload);
    this.router = loopbackPayload > 0 ? new ConnectRouter() : null;
    this.handshakeTimeoutMs = b.handshakeTimeout.toMillis();
    this.dialTuning = b.dialTuning;
    CertifiedKey ck = IdentityCertificates.create(identity,
        clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(b.certificateLifetime));
    this.segments = segmentation(b.sendSegments, b.udpPayload);
    this.loopbackSegments = loopbackPayload > 0
        ? segmentation(b.sendSegments, loopbackPayload) : null;
    this.retryTokens = new RetryTokens(clock, random, b.retryAbove);
    this.caps = new ConnectionCaps(b.maxConnections, b.maxConnectionsPerPeer);
    QuicSslContext serverContext = serverContext(ck);
    QuicSslContext clientContext = clientContext(ck);
    ChannelHandler server = serverCodec(b, serverContext, b.udpPayload, segments);
    ChannelHandler client = clientCodec(b, clientContext, b.udpPayload);
    try {
      Bootstrap boot = new Bootstrap().group(group).channel(NettyTransports.datagramChannel())
          .option(ChannelOption.SO_RCVBUF, b.socketBuffer)
          .option(ChannelOption.SO_SNDBUF, b.socketBuffer);
      readBatching(boot, b.readBatch, Math.max(loopbackPayload, QuicDemultiplexer.MAX_DATAGRAM));
      b.socketTuning.accept(boot);
      ChannelHandler loopbackServer = loopbackPayload == 0 ? null
          : serverCodec(b, serverContext, loopbackPayload, loopbackSegments);
      ChannelHandler loopbackClient = loopbackPayload == 0 ? null
          : clientCodec(b, clientContext, loopbackPayload);
      this.socket = boot
          .handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
              ChannelHandler clientTap = tap(QuicDemultiplexer.TapRole.CLIENT);
              if (loopbackServer == null) {
                ch.pipeline().addLast(routes, demux, server, clientTap, client, new LastResort());
                return;
              }
              ChannelHandler loopbackClientTap = tap(QuicDemultiplexer.TapRole.LOOPBACK_CLIENT);
              ch.pipeline().addLast(routes, demux, server,
                  tap(QuicDemultiplexer.TapRole.LOOPBACK_SERVER), loopbackServer,
                  clientTap, client, loopbackClientTap, loopbackClient, router, new LastResort());
              router.otherClient(ch.pipeline().context(loopbackClientTap));
            }
          })
          .bind(b.bind).sync().channel();
      this.rawSends = new RawSends(socket, segments == null ? 1 : b.sendSegments);
    } catch (InterruptedException | RuntimeException e) {
      if (ownsGroup) {
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      }
      throw e;
    }
  }

  private QuicDemultiplexer.Tap tap(QuicDemultiplexer.TapRole role) {
    return new QuicDemultiplexer.Tap(demux, role);
  }

  private ChannelHandler serverCodec(Builder b, QuicSslContext ctx, int payload,
      SegmentedDatagramPacketAllocator gso) {
    QuicServerCodecBuilder sb = configure(new QuicServerCodecBuilder(), b, payload);
    if (gso != null) {
      sb.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
    }
    b.codecTuning.accept(sb);
    return sb.sslContext(ctx)
        .tokenHandler(retryTokens)
        .handler(caps)
        .streamHandler(acceptInitializer())
        .build();
  }

  private ChannelHandler clientCodec(Builder b, QuicSslContext ctx, int payload) {
    QuicClientCodecBuilder cb = configure(new QuicClientCodecBuilder(), b, payload);
    b.codecTuning.accept(cb);
    return cb.sslEngineProvider(clientEngines(ctx)).build();
  }

  /**
   * Read up to {@code batch} datagrams per system call (recvmmsg) where epoll is in use, else one.
   * Each datagram gets a slot one byte longer than the largest accepted ({@code max}), so a longer
   * datagram is seen truncated to that length and dropped by the demultiplexer rather than parsed
   * cut short. Slots for loopback-sized datagrams (a socket bound to loopback, where every sender
   * is local) are large, so fewer of them make a batch (at most 512 KB of slots per call).
   */
  private static void readBatching(Bootstrap boot, int batch, int max) {
    int slot = max + 1;
    if (max > QuicDemultiplexer.MAX_DATAGRAM) {
      batch = Math.max(1, Math.min(batch, LOOPBACK_READ_BYTES / slot));
    }
    if (NettyTransports.epoll() && batch > 1) {
      boot.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(slot * batch));
    } else {
      boot.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(slot));
    }
  }

  /**
   * Return the allocator that lets quiche hand the kernel up to {@code segments} packets of one
   * connection in one UDP GSO send (epoll on a kernel with UDP_SEGMENT), or null for plain sends.
   */
  private static SegmentedDatagramPacketAllocator segmentation(int segments, int payload) {
    int n = Math.min(segments, RawSends.MAX_GSO_BYTES / payload);
    if (n < 2 || !NettyTransports.epoll()
        || !EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
      return null;
    }
    return EpollQuicUtils.newSegmentedAllocator(n);
  }

  /** Return a builder for a transport of {@code identity}. */
  public static Builder builder(Identity identity) {
    return new Builder(identity);
  }

  /** Configure a codec that sends packets of up to {@code payload} bytes and accepts as large. */
  private static <B extends QuicCodecBuilder<B>> B configure(B q, Builder b, int payload) {
    return q.maxIdleTimeout(b.idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .localConnectionIdLength(QuicDemultiplexer.CID_LENGTH)
        .maxRecvUdpPayloadSize(Math.max(payload, QuicDemultiplexer.MAX_DATAGRAM))
        .maxSendUdpPayloadSize(payload)
        .initialMaxData(b.connectionWindow)
        .initialMaxStreamDataBidirectionalLocal(b.streamWindow)
        .initialMaxStreamDataBidirectionalRemote(b.streamWindow)
        .initialMaxStreamsBidirectional(256)
        .initialMaxStreamsUnidirectional(0)
        .activeMigration(false);
  }

  private QuicSslContext serverContext(CertifiedKey ck) {
    return QuicSslContextBuilder.forServer(ck.keyPair().getPrivate(), null, ck.certificate())
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(trust)
        .applicationProtocols(ALPN)
        .earlyData(false)
        .build();
  }

  private QuicSslContext clientContext(CertifiedKey ck) {
    return QuicSslContextBuilder.forClient()
        .keyManager(ck.keyPair().getPrivate(), null, ck.certificate())
        .trustManager(trust)
        .endpointIdentificationAlgorithm(null)
        .applicationProtocols(ALPN)
        .earlyData(false)
        .build();
  }

  /** Make client engines whose handshake fails unless the server proves the pinned id. */
  private java.util.function.Function<QuicChannel, QuicSslEngine> clientEngines(
      QuicSslContext ctx) {
    return ch -> {
      QuicSslEngine engine = ctx.newEngine(ch.alloc());
      NodeId expected = ch.attr(EXPECTED).get();
      if (expected != null) { // without a pin, checkServerTrusted refuses
        trust.pin(engine, expected);
        ch.closeFuture().addListener(f -> trust.unpin(engine));
      }
      return engine;
    };
  }

  private ChannelInitializer<QuicStreamChannel> acceptInitializer() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(QuicStreamChannel ch) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        NodeId peer = peerOf(ch.parent());
        if (peer == null) {
          ch.close();
          return;
        }
        ch.pipeline().addLast(new ServiceAcceptHandler(services::get, gate, peer, bytes));
      }
    };
  }

  /** Return the id the peer of {@code conn} proved, cached on the connection; null if none. */
  NodeId peerOf(QuicChannel conn) {
    NodeId cached = conn.attr(PEER).get();
    if (cached != null) {
      return cached;
    }
    try {
      Certificate[] certs = conn.sslEngine().getSession().getPeerCertificates();
      X509Certificate[] chain = new X509Certificate[certs.length];
      for (int i = 0; i < certs.length; i++) {
        chain[i] = (X509Certificate) certs[i];
      }
      Verification v = IdentityCertificates.verify(chain, clock.instant());
      if (v instanceof Verified) {
        NodeId id = ((Verified) v).nodeId();
        conn.attr(PEER).set(id);
        return id;
      }
    } catch (SSLPeerUnverifiedException | ClassCastException e) {
      LOG.debug("connection without a verified peer: {}", e.toString());
    }
    return null;
  }

  /** Return the local address of the UDP socket. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.localAddress();
  }

  /** Return this node's id. */
  public NodeId nodeId() {
    return identity.id();
  }

  /** Return the application bytes of this transport's streams, by kind. */
  public StreamBytes bytes() {
    return bytes;
  }

  /** Return the event loop group the socket runs on (also good for relays and SOCKS). */
  public EventLoopGroup group() {
    return group;
  }

  /**
   * Expose {@code service}: streams that name it and come from a node {@code exposure} allows
   * are given to its acceptor. Replaces an earlier exposure of the same name.
   */
  public void expose(String service, Exposure exposure) {
    if (!PersonUrl.isServiceName(service)) {
      throw new IllegalArgumentException("invalid service name: " + service);
    }
    services.put(service, exposure);
  }

  /** Ask {@code g} who may open streams to exposed services (default {@link StreamGate#EXPOSURE}). */
  public void gate(StreamGate g) {
    gate = g;
  }

  /** Stop exposing {@code service}; streams already open stay open. */
  public void unexpose(String service) {
    services.remove(service);
  }

  /**
   * Open a stream to {@code service} on the node at {@code address}, which must prove
   * {@code expected} in the TLS handshake. Complete with a paused {@link SecureStream} once the
   * service accepted; fail with {@link ServiceRefusedException} on a refusal, or with the
   * handshake's error (e.g. a certificate proving another id). A connection from which no packet at
   * all arrives within {@code silenceMs} of the open is taken for dead: it is closed and the open
   * fails with {@link SilentConnectionException}; with {@code silenceMs} 0 the open waits for the
   * service's answer as long as the connection lives.
   */
  public CompletableFuture<SecureStream> connect(InetSocketAddress address, NodeId expected,
      String service, long silenceMs) {
    if (!PersonUrl.isServiceName(service)) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("invalid service name: " + service));
    }
    CompletableFuture<SecureStream> result = new CompletableFuture<>();
    connection(address, expected).whenComplete((conn, err) -> {
      if (err != null) {
        result.completeExceptionally(err);
      } else {
        if (silenceMs > 0) {
          SilenceWatch.watch(conn, expected.shortString(), silenceMs, result);
        }
        openStream(conn, expected, service, result);
      }
    });
    return result;
  }

  private void openStream(QuicChannel conn, NodeId peer, String service,
      CompletableFuture<SecureStream> result) {
    conn.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
      @Override
      protected void initChannel(QuicStreamChannel ch) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ch.pipeline().addLast(new ServiceOpenHandler(service, peer, result, bytes));
      }
    }).addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(f.cause());
      }
    });
  }

  /**
   * Complete once an authenticated connection to {@code node} at {@code address} is up (reusing a
   * live one): the handshake proved {@code node}'s key over that path. Fails like {@link #connect}.
   */
  public CompletableFuture<Void> reach(InetSocketAddress address, NodeId node) {
    return connection(address, node).thenApply(c -> null);
  }

  /** Return whether a live connection to {@code node} at {@code address} exists now. */
  public boolean connected(InetSocketAddress address, NodeId node) {
    CompletableFuture<QuicChannel> f = connections.get(new ConnectionKey(address, node));
    return f != null && f.isDone() && !f.isCompletedExceptionally() && f.join().isActive();
  }

  /**
   * Return how long the handshake of the live connection to {@code node} at {@code address} took,
   * in ms (a measure of the path's round trip); empty without such a connection.
   */
  public OptionalLong handshakeMs(InetSocketAddress address, NodeId node) {
    CompletableFuture<QuicChannel> f = connections.get(new ConnectionKey(address, node));
    Long ms = f != null && f.isDone() && !f.isCompletedExceptionally() ? f.join().attr(HANDSHAKE_MS).get() : null;
    return ms == null ? OptionalLong.empty() : OptionalLong.of(ms);
  }

  /** Return the live connection to {@code node} at {@code address}, dialling one if needed. */
  CompletableFuture<QuicChannel> connection(InetSocketAddress address, NodeId node) {
    ConnectionKey key = new ConnectionKey(address, node);
    while (true) {
      CompletableFuture<QuicChannel> f = connections.get(key);
      if (f != null && !(f.isDone() && (f.isCompletedExceptionally() || !f.join().isActive()))) {
        return f;
      }
      CompletableFuture<QuicChannel> fresh = new CompletableFuture<>();
      boolean won = f == null ? connections.putIfAbsent(key, fresh) == null
          : connections.replace(key, f, fresh);
      if (won) {
        CompletableFuture<QuicChannel> dialled = new CompletableFuture<>();
        // Forget the entry before anyone waiting on the result hears of the outcome.
        dialled.whenComplete((c, e) -> {
          if (e != null) {
            connections.remove(key, fresh);
            fresh.completeExceptionally(e);
          } else {
            c.closeFuture().addListener(x -> connections.remove(key, fresh));
            fresh.complete(c);
          }
        });
        dial(address, node, dialled);
        return fresh;
      }
    }
  }

  private void dial(InetSocketAddress address, NodeId node, CompletableFuture<QuicChannel> out) {
    byte[] cid = new byte[QuicDemultiplexer.CID_LENGTH];
    random.nextBytes(cid);
    boolean loopback = router != null && QuicDemultiplexer.isLoopback(address);
    QuicChannelBootstrap qb = QuicChannel.newBootstrap(socket);
    SegmentedDatagramPacketAllocator gso = loopback ? loopbackSegments : segments;
    if (gso != null) {
      qb.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
    }
    dialTuning.accept(qb);
    long started = System.nanoTime();
    qb.attr(EXPECTED, node)
        .localConnectionAddress(new QuicConnectionAddress(cid))
        .remoteAddress(address)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) handshakeTimeoutMs)
        .handler(new ConnectRouter.Dial(router, loopback,
            inLoopbackCodec -> demux.registerClientId(cid, inLoopbackCodec)))
        .streamHandler(acceptInitializer())
        .connect()
        .addListener(f -> {
          if (!f.isSuccess()) {
            demux.forgetClientId(cid);
            out.completeExceptionally(f.cause());
            return;
          }
          QuicChannel conn = (QuicChannel) f.getNow();
          conn.closeFuture().addListener(x -> demux.forgetClientId(cid));
          NodeId proven = peerOf(conn);
          if (!node.equals(proven)) { // the trust manager pinned it; this is belt and braces
            conn.close();
            out.completeExceptionally(new SSLPeerUnverifiedException("peer proved " + proven));
            return;
          }
          conn.attr(HANDSHAKE_MS).set((System.nanoTime() - started) / 1_000_000);
          out.complete(conn);
        });
  }

  /**
   * Send a control datagram to {@code to}. Its first byte must be {@code Limits.FIRST_BYTE} and it
   * may not exceed {@code Limits.MAX_DATAGRAM} bytes, so that it can never be taken for QUIC.
   */
  public void sendDatagram(InetSocketAddress to, byte[] datagram) {
    if (datagram.length == 0 || datagram[0] != Limits.FIRST_BYTE
        || datagram.length > Limits.MAX_DATAGRAM) {
      throw new IllegalArgumentException("not a control datagram");
    }
    socket.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(datagram), to));
  }

  /**
   * Send a datagram of another protocol that shares the socket (hole punching, relay circuits):
   * its first byte must have the QUIC fixed bit (0x40) clear and not be the DHT's 0x0D, and it may
   * not exceed 1500 bytes.
   */
  public void sendRaw(InetSocketAddress to, byte[] datagram) {
    checkRaw(datagram);
    socket.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(datagram), to));
  }

  /**
   * Send {@code datagrams} (each as {@link #sendRaw} requires; if one is not, none is sent) in
   * order with few system calls: runs of equal-length datagrams to one recipient as one UDP GSO
   * send where the kernel has it, one flush for all. For a burst produced in one event-loop turn
   * (a relay's forwarding, a circuit's packets).
   */
  public void sendRaw(List<Transmit> datagrams) {
    for (Transmit t : datagrams) {
      checkRaw(t.payload());
    }
    rawSends.send(datagrams);
  }

  private static void checkRaw(byte[] datagram) {
    if (datagram.length == 0 || (datagram[0] & 0x40) != 0 || datagram[0] == Limits.FIRST_BYTE
        || datagram.length > QuicDemultiplexer.MAX_DATAGRAM) {
      throw new IllegalArgumentException("not a raw datagram of another protocol");
    }
  }

  /**
   * Deliver datagrams whose first byte is {@code first} (0x00..0x3F except 0x0D: punch 0x0E,
   * relay 0x0F) to {@code sink} on the socket's event loop; null removes it.
   */
  public void setSink(int first, DatagramSink sink) {
    demux.setSink(first, sink);
  }

  /**
   * Feed a QUIC packet that reached this node another way (unwrapped from a relay circuit, read on
   * a side socket) to the codecs as sent by {@code sender}. Takes ownership of {@code packet}; may
   * be called from any thread (it hops to the socket's event loop).
   */
  public void injectQuic(InetSocketAddress sender, ByteBuf packet) {
    if (socket.eventLoop().inEventLoop()) {
      demux.inject(sender, packet);
    } else {
      socket.eventLoop().execute(() -> demux.inject(sender, packet));
    }
  }

  /**
   * Drop every QUIC packet that arrives on the socket itself (counted as dropped); only packets
   * fed by {@link #injectQuic} (a private network's opened datagrams, relay circuits) reach the
   * codecs. For a node in private networks only.
   */
  public void refuseDirectQuic() {
    demux.refuseDirectQuic();
  }

  /** Offer every QUIC packet written from now on to {@code route} first (see {@link DatagramRoute}). */
  public void addRoute(DatagramRoute route) {
    routes.add(route);
  }

  /** Remove {@code route}. */
  public void removeRoute(DatagramRoute route) {
    routes.remove(route);
  }

  /** Return the event loop of the socket (where sinks and routes run). */
  public io.netty.channel.EventLoop socketLoop() {
    return socket.eventLoop();
  }

  /**
   * Return the demultiplexer's counters: {control, to server codecs, to client codecs, dropped,
   * of those to server and client codecs the ones to the loopback codecs, QUIC datagrams over
   * 1500 bytes accepted (from loopback senders only)}.
   */
  public long[] datagramCounters() {
    return demux.counters();
  }

  /** Return the connections other nodes opened to this one that are open now. */
  public int acceptedConnections() {
    return caps.open();
  }

  /** Return the connections refused because {@link Builder#maxConnections} were open. */
  public long refusedConnectionsTotal() {
    return caps.refusedTotal();
  }

  /** Return the connections refused because {@link Builder#maxConnectionsPerPeer} were open from that address. */
  public long refusedConnectionsPerPeer() {
    return caps.refusedPerPeer();
  }

  /** Return the number of open connections this node dialled. */
  public int dialledConnections() {
    return connections.size();
  }

  /** Return how many Retry packets this node's server side asked for. */
  long retriesSent() {
    return retryTokens.retries();
  }

  int pendingPins() {
    return trust.pinCount();
  }

  int registeredClientIds() {
    return demux.clientIdCount();
  }

  /** Close the socket (and every connection on it), and the group if this transport made it. */
  @Override
  public void close() {
    socket.close().syncUninterruptibly();
    if (ownsGroup) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Swallow exceptions that reach the end of the UDP pipeline (the socket must live on). */
  private static final class LastResort extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("UDP pipeline exception: {}", cause.toString());
    }
  }

  /** Settings of a {@link StreamTransport}. */
  public static final class Builder {
    private final Identity identity;
    private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);
    private EventLoopGroup group;
    private Clock clock = Clock.systemUTC();
    private DatagramSink sink = (from, content) -> { };
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration certificateLifetime = Duration.ofDays(365);
    private long connectionWindow = 32L << 20;
    private long streamWindow = 8L << 20;
    private int socketBuffer = 4 << 20;
    private int readBatch = 32;
    private int sendSegments = 32;
    private int udpPayload = 1350;
    private int loopbackPayload = LOOPBACK_PAYLOAD;
    private int retryAbove = 64;
    private int maxConnections = 1024;
    private int maxConnectionsPerPeer = 16;
    // Hooks for in-package benchmarks that compare other quiche or socket settings in one run;
    // applied after the settings above. Not API.
    Consumer<QuicCodecBuilder<?>> codecTuning = q -> { };
    Consumer<Bootstrap> socketTuning = x -> { };
    Consumer<QuicChannelBootstrap> dialTuning = x -> { };

    private Builder(Identity identity) {
      this.identity = identity;
    }

    /** Bind the UDP socket to {@code address} (default 127.0.0.1, any port). */
    public Builder bind(InetSocketAddress address) {
      this.bind = address;
      return this;
    }

    /** Run on {@code group} (not closed by the transport); default: an own 1-thread group. */
    public Builder group(EventLoopGroup group) {
      this.group = group;
      return this;
    }

    /** Read certificate validity against {@code clock}. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Deliver control datagrams (first byte 0x0D) to {@code sink}. */
    public Builder datagramSink(DatagramSink sink) {
      this.sink = sink;
      return this;
    }

    /** Close connections idle for {@code d}. */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout = d;
      return this;
    }

    /** Give up a dial after {@code d}. */
    public Builder handshakeTimeout(Duration d) {
      this.handshakeTimeout = d;
      return this;
    }

    /** Set QUIC flow-control windows: per connection and per stream, in bytes. */
    public Builder windows(long connection, long stream) {
      this.connectionWindow = connection;
      this.streamWindow = stream;
      return this;
    }

    /**
     * Read up to {@code datagrams} datagrams per system call (default 32; 1 reads one at a time).
     * Batching lets quiche answer a whole batch with one ACK and one flush; on loopback it cut
     * the event loops' CPU per byte several times (figures in node/README.md, streams section).
     */
    public Builder readBatch(int datagrams) {
      if (datagrams < 1) {
        throw new IllegalArgumentException("readBatch < 1");
      }
      this.readBatch = datagrams;
      return this;
    }

    /**
     * Send up to {@code packets} packets of a connection in one UDP GSO system call where the
     * kernel supports it (default 32, capped so that one send stays under 64 KB; 0 or 1: off).
     */
    public Builder sendSegments(int packets) {
      this.sendSegments = packets;
      return this;
    }

    /**
     * Set the largest UDP payload this node sends (default 1350, safe on internet paths, IPv6
     * and tunnels included; 1200 to 1500). Larger values need every path to carry them.
     */
    public Builder udpPayload(int bytes) {
      if (bytes < 1200 || bytes > QuicDemultiplexer.MAX_DATAGRAM) {
        throw new IllegalArgumentException("udpPayload outside 1200..1500: " + bytes);
      }
      this.udpPayload = bytes;
      return this;
    }

    /**
     * Set the largest UDP payload sent to loopback peers (default: the loopback interface's MTU
     * less IP and UDP headers, at most 16383, the largest packet quiche builds; 1350 where the
     * MTU cannot be read). Applies only to a socket bound to a loopback address, where every
     * sender is local: connections with
     * loopback peers then run in codecs of their own with packets this large (a path of known MTU
     * needs no discovery), and the socket's read slots grow to match. Every other peer (relay
     * circuits included) keeps {@link #udpPayload}; a non-loopback sender's datagram over 1500
     * bytes is still dropped. 1500 or less (0 too): no loopback codecs.
     */
    public Builder loopbackPayload(int bytes) {
      if (bytes < 0 || bytes > LoopbackMtu.MAX_UDP_PAYLOAD) {
        throw new IllegalArgumentException("loopbackPayload outside 0.." + LoopbackMtu.MAX_UDP_PAYLOAD);
      }
      this.loopbackPayload = bytes;
      return this;
    }

    /**
     * Answer new connections with a Retry (address validation, one more round trip) once more than
     * {@code handshakesPerSecond} arrived without a token in the current second (default 64;
     * 0: every connection; {@link Integer#MAX_VALUE}: never). See {@link RetryTokens}.
     */
    public Builder retryAbove(int handshakesPerSecond) {
      if (handshakesPerSecond < 0) {
        throw new IllegalArgumentException("retryAbove < 0");
      }
      this.retryAbove = handshakesPerSecond;
      return this;
    }

    /**
     * Accept at most {@code total} connections from other nodes at once (default 1024), at most
     * {@code perPeer} of them from one IP address (default 16); one over a cap is closed at once and
     * counted ({@link #refusedConnectionsTotal}, {@link #refusedConnectionsPerPeer}).
     */
    public Builder maxConnections(int total, int perPeer) {
      if (total < 1 || perPeer < 1) {
        throw new IllegalArgumentException("connection caps must be at least 1");
      }
      this.maxConnections = total;
      this.maxConnectionsPerPeer = perPeer;
      return this;
    }

    /** Bind and return the transport. */
    public StreamTransport build() throws InterruptedException {
      return new StreamTransport(this);
    }
  }
}
