package dev.wormholes.node.stream;

import static dev.wormholes.node.stream.StreamTestSupport.newIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node accepts at most so many QUIC connections in all and from one address; refusals are counted. */
class ConnectionCapsTest {
  private final List<StreamTransport> open = new ArrayList<>();

  @AfterEach
  void close() {
    open.forEach(StreamTransport::close);
  }

  private StreamTransport client(String ip) throws InterruptedException {
    StreamTransport t = StreamTransport.builder(newIdentity()).bind(new InetSocketAddress(ip, 0))
        .handshakeTimeout(java.time.Duration.ofSeconds(5)).build();
    open.add(t);
    return t;
  }

  @Test
  void connectionsOverTheCapsAreRefusedAndCounted() throws Exception {
    StreamTestSupport.quietLogs();
    Identity bob = newIdentity();
    StreamTransport b = StreamTransport.builder(bob).maxConnections(2, 1).build();
    open.add(b);
    b.expose("echo", Exposure.open(s -> s.accept()));

    client("127.0.0.1").connect(b.localAddress(), bob.id(), "echo", 0).get(20, TimeUnit.SECONDS);
    assertThrows(ExecutionException.class, () -> client("127.0.0.1")
        .connect(b.localAddress(), bob.id(), "echo", 0).get(20, TimeUnit.SECONDS), "a second connection from 127.0.0.1");
    assertEquals(1, b.refusedConnectionsPerPeer());

    client("127.0.0.2").connect(b.localAddress(), bob.id(), "echo", 0).get(20, TimeUnit.SECONDS);
    assertThrows(ExecutionException.class, () -> client("127.0.0.3")
        .connect(b.localAddress(), bob.id(), "echo", 0).get(20, TimeUnit.SECONDS), "a third connection in all");
    assertEquals(1, b.refusedConnectionsTotal());
    assertEquals(2, b.acceptedConnections());
  }
}
