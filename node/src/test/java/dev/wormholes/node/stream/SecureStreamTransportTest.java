package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static dev.wormholes.node.stream.StreamTestSupport.payload;
import static dev.wormholes.node.stream.StreamTestSupport.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.stream.ServiceHeader.Status;
import dev.wormholes.node.stream.StreamTestSupport.HashingReceiver;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two transports on loopback: authentication, pinning, services, and bulk bytes both ways. */
class SecureStreamTransportTest {
  private Identity alice;
  private Identity bob;
  private StreamTransport a;
  private StreamTransport b;
  /** Peers seen by Bob's "sink" service, and the receiver of the last accepted stream. */
  private final CompletableFuture<SecureStream> bobAccepted = new CompletableFuture<>();

  @BeforeEach
  void start() throws Exception {
    StreamTestSupport.quietLogs();
    alice = newIdentity();
    bob = newIdentity();
    a = StreamTransport.builder(alice).build();
    b = StreamTransport.builder(bob).build();
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  private void exposeHashingSink(StreamTransport t, String name, Set<NodeId> allowed,
      HashingReceiver receiver, byte[] reply) {
    t.expose(name, new Exposure(allowed, s -> {
      s.channel().pipeline().addLast(receiver);
      s.accept();
      bobAccepted.complete(s);
      if (reply != null) {
        StreamTestSupport.sendAndFinish(s.channel(), reply);
      }
    }));
  }

  @Test
  void mutualAuthenticationShowsBothSidesTheRightNodeId() throws Exception {
    exposeHashingSink(b, "sink", null, new HashingReceiver(), null);
    SecureStream s = a.connect(b.localAddress(), bob.id(), "sink", 0).get(10, TimeUnit.SECONDS);
    assertEquals(bob.id(), s.peer());
    assertEquals(bob.id(), a.peerOf(s.channel().parent()));
    SecureStream in = bobAccepted.get(10, TimeUnit.SECONDS);
    assertEquals(alice.id(), in.peer(), "the acceptor sees the dialer's proven id");
    assertTrue(in.incoming());
    assertEquals("sink", in.service());
    assertEquals(0, a.pendingPins(), "pins are dropped once the handshake is judged");
    assertEquals(1, a.registeredClientIds());
    s.channel().parent().close().sync();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> a.registeredClientIds() == 0 && a.dialledConnections() == 0);
  }

  @Test
  void peerWhoseKeyDoesNotMatchTheExpectedIdIsRefused() throws Exception {
    exposeHashingSink(b, "sink", null, new HashingReceiver(), null);
    NodeId impostorExpectation = newIdentity().id();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.connect(b.localAddress(), impostorExpectation, "sink", 0).get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof javax.net.ssl.SSLException
        || String.valueOf(e.getCause()).contains("certificate"), "handshake error: " + e.getCause());
    assertEquals(0, a.dialledConnections());
    assertEquals(0, a.registeredClientIds(), "the failed dial's connection id is forgotten");
    // Bob keeps serving: the right id still works on the same sockets.
    SecureStream s = a.connect(b.localAddress(), bob.id(), "sink", 0).get(10, TimeUnit.SECONDS);
    assertEquals(bob.id(), s.peer());
    assertEquals(0, a.pendingPins());
  }

  @Test
  void unexposedServiceIsRefusedWithAReason() throws Exception {
    exposeHashingSink(b, "sink", null, new HashingReceiver(), null);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.connect(b.localAddress(), bob.id(), "nope", 0).get(10, TimeUnit.SECONDS));
    ServiceRefusedException r = assertInstanceOf(ServiceRefusedException.class, e.getCause());
    assertEquals(Status.UNKNOWN_SERVICE, r.status());
    assertTrue(r.getMessage().contains("'nope' is not exposed"), r.getMessage());
    // The connection survives a refused stream: the exposed service still opens.
    assertEquals(bob.id(), a.connect(b.localAddress(), bob.id(), "sink", 0)
        .get(10, TimeUnit.SECONDS).peer());
    assertEquals(1, a.dialledConnections(), "both streams shared one connection");
  }

  @Test
  void allowListRefusesOtherNodesExactlyAsAnUnknownService() throws Exception {
    exposeHashingSink(b, "private", Set.of(newIdentity().id()), new HashingReceiver(), null);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.connect(b.localAddress(), bob.id(), "private", 0).get(10, TimeUnit.SECONDS));
    ServiceRefusedException r = assertInstanceOf(ServiceRefusedException.class, e.getCause());
    ExecutionException e2 = assertThrows(ExecutionException.class,
        () -> a.connect(b.localAddress(), bob.id(), "privatf", 0).get(10, TimeUnit.SECONDS));
    ServiceRefusedException unknown = assertInstanceOf(ServiceRefusedException.class, e2.getCause());
    assertEquals(Status.UNKNOWN_SERVICE, r.status(), "not allowed reads as unknown");
    assertEquals(unknown.status(), r.status());
    assertEquals(unknown.getMessage().replace("privatf", "private"), r.getMessage(),
        "the same reason text: the dialer cannot tell an existing service it may not use from none");

    b.expose("private", new Exposure(Set.of(alice.id()), s -> s.accept()));
    assertEquals(bob.id(), a.connect(b.localAddress(), bob.id(), "private", 0)
        .get(10, TimeUnit.SECONDS).peer());
  }

  @Test
  void megabytesFlowBothWaysIntact() throws Exception {
    byte[] up = payload(6 << 20, 1);
    byte[] down = payload(5 << 20, 2);
    HashingReceiver atBob = new HashingReceiver();
    exposeHashingSink(b, "bulk", null, atBob, down);
    SecureStream s = a.connect(b.localAddress(), bob.id(), "bulk", 0).get(10, TimeUnit.SECONDS);
    HashingReceiver atAlice = new HashingReceiver();
    s.channel().pipeline().addLast(atAlice);
    s.start();
    StreamTestSupport.sendAndFinish(s.channel(), up);
    assertEquals(sha256(up), atBob.done.get(30, TimeUnit.SECONDS));
    assertEquals(sha256(down), atAlice.done.get(30, TimeUnit.SECONDS));
    assertEquals(up.length, atBob.count());
    assertEquals(down.length, atAlice.count());
  }
}
