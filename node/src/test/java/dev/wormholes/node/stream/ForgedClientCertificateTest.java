package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.Identity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Handshakes with wrong client certificates are refused by the accepting node, which keeps
 * serving: no certificate, no identity extension, and an identity extension copied from another
 * node's certificate. The forging client is a plain Netty QUIC client on its own socket.
 */
class ForgedClientCertificateTest {
  private static final Instant FROM = Instant.now().minus(Duration.ofHours(1));
  private static final Instant UNTIL = Instant.now().plus(Duration.ofHours(1));

  private Identity bob;
  private StreamTransport b;
  private EventLoopGroup group;
  private final AtomicInteger accepted = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    StreamTestSupport.quietLogs();
    bob = newIdentity();
    b = StreamTransport.builder(bob).build();
    b.expose("svc", Exposure.open(s -> {
      accepted.incrementAndGet();
      s.accept();
    }));
    group = NettyTransports.newGroup(1);
  }

  @AfterEach
  void stop() {
    b.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Dial Bob presenting {@code cert} (or none); return whether a stream to "svc" got OK. */
  private boolean dialWith(KeyPair key, X509Certificate cert) throws Exception {
    long t0 = System.nanoTime();
    boolean ok = dialWith0(key, cert);
    // The refused client hears the refusal (a TLS alert in CONNECTION_CLOSE), not an idle
    // timeout: the forging client's idle timeout is 5 s.
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "refusal took too long");
    return ok;
  }

  private boolean dialWith0(KeyPair key, X509Certificate cert) throws Exception {
    IdentityTrustManager trust = new IdentityTrustManager(Clock.systemUTC());
    QuicSslContextBuilder sb = QuicSslContextBuilder.forClient().trustManager(trust)
        .endpointIdentificationAlgorithm(null).applicationProtocols(StreamTransport.ALPN);
    if (cert != null) {
      sb.keyManager(key.getPrivate(), null, cert);
    }
    QuicSslContext ctx = sb.build();
    Channel udp = new Bootstrap().group(group).channel(NettyTransports.datagramChannel())
        .handler(new QuicClientCodecBuilder().sslEngineProvider(ch -> {
          QuicSslEngine e = ctx.newEngine(ch.alloc());
          trust.pin(e, bob.id()); // the forger does check that it reached Bob
          return e;
        }).maxIdleTimeout(5, TimeUnit.SECONDS).initialMaxData(1 << 20)
            .initialMaxStreamDataBidirectionalLocal(1 << 20)
            .initialMaxStreamDataBidirectionalRemote(1 << 20).build())
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    try {
      io.netty.util.concurrent.Future<QuicChannel> f = QuicChannel.newBootstrap(udp)
          .handler(new ChannelInboundHandlerAdapter())
          .remoteAddress(b.localAddress()).connect().await();
      if (!f.isSuccess()) {
        return false;
      }
      // TLS 1.3: the client may finish before the server has judged the client certificate.
      QuicChannel conn = f.getNow();
      java.util.concurrent.CompletableFuture<SecureStream> opened =
          new java.util.concurrent.CompletableFuture<>();
      io.netty.util.concurrent.Future<QuicStreamChannel> sf = conn.createStream(
          QuicStreamType.BIDIRECTIONAL, new ServiceOpenHandler("svc", bob.id(), opened, new StreamBytes())).await();
      if (!sf.isSuccess()) {
        return false;
      }
      try {
        opened.get(10, TimeUnit.SECONDS);
        return true;
      } catch (java.util.concurrent.ExecutionException e) {
        return false;
      }
    } finally {
      udp.close().sync();
    }
  }

  @Test
  void wrongClientCertificatesAreRefusedAndTheNodeKeepsServing() throws Exception {
    KeyPair kp = IdentityCertificates.newCertificateKeyPair();
    // 1. No identity extension.
    assertEquals(false, dialWith(kp, IdentityCertificates.selfSign(kp, null, FROM, UNTIL)));
    // 2. Alice's extension (signed over Alice's TLS key) copied into Mallory's certificate.
    Identity alice = newIdentity();
    IdentityCertificates.CertifiedKey alices = IdentityCertificates.create(alice, FROM, UNTIL);
    byte[] ext = IdentityCertificates.signedIdentityKey(alice.publicKey(),
        alice.sign(IdentityCertificates.DOMAIN, alices.keyPair().getPublic().getEncoded()));
    assertEquals(false, dialWith(kp, IdentityCertificates.selfSign(kp, ext, FROM, UNTIL)));
    // 3. No client certificate at all.
    assertEquals(false, dialWith(kp, null));
    assertEquals(0, accepted.get(), "no forged handshake reached a service");
    // The same plain client with a genuine certificate gets through: the refusals above were
    // about the certificates, and Bob still serves.
    assertTrue(dialWith(alices.keyPair(), alices.certificate()));
    assertEquals(1, accepted.get());
  }
}
