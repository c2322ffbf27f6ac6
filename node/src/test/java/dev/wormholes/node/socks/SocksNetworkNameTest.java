package dev.wormholes.node.socks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.it.TcpServices;
import dev.wormholes.node.store.ServiceRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A SOCKS name {@code SERVICE.NODE.NETWORK.network.wh} is dialled inside that network, not the
 * first one the two nodes share: alice and carol share networks "one" and "two" (private-only,
 * loopback, in process); carol exposes {@code echo} to "two" only. Through alice's proxy the name
 * with ".two.network" reaches it; the plain name goes through "one" and is refused.
 */
class SocksNetworkNameTest {
  private WormholesNode alice;
  private WormholesNode carol;
  private ServerSocket service;

  private static WormholesNode start(String ip) {
    return WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .portMapping(false).streams(true).socks(new InetSocketAddress("127.0.0.1", 0)).publicNetwork(false)
        .listen(new InetSocketAddress(ip, 0)).build());
  }

  @AfterEach
  void stop() throws IOException {
    for (WormholesNode n : new WormholesNode[] {alice, carol}) {
      if (n != null) {
        n.close();
      }
    }
    if (service != null) {
      service.close();
    }
  }

  /** CONNECT to {@code host} through {@code node}'s proxy, send {@code hello}; return the SOCKS reply code and what came back. */
  private static Object[] echo(WormholesNode node, String host, byte[] hello) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", node.socksAddress().getPort()));
      s.setSoTimeout(30_000);
      OutputStream o = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      assertEquals(0, SocksClient.login(o, in, node.streams().socksCredentials()));
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.write(new byte[] {0x05, 0x01, 0x00, 0x03, (byte) name.length});
      req.write(name);
      req.write(new byte[] {0, 80});
      o.write(req.toByteArray());
      byte[] reply = in.readNBytes(10);
      if (reply.length < 2 || reply[1] != 0) {
        return new Object[] {reply.length < 2 ? -1 : reply[1] & 0xff, new byte[0]};
      }
      o.write(hello);
      s.shutdownOutput();
      return new Object[] {0, in.readAllBytes()};
    }
  }

  @Test
  void theNetworkInTheNameIsTheOneDialled() throws Exception {
    alice = start("127.0.23.1");
    carol = start("127.0.23.3");
    alice.networks().create("one").join();
    alice.networks().create("two").join();
    carol.networks().join(alice.networks().invite("one", false, 60).join(), null).join();
    carol.networks().join(alice.networks().invite("two", false, 60).join(), null).join();
    service = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    TcpServices.echo(service);
    carol.streams().expose(new ServiceRecord("echo", "127.0.0.1:" + service.getLocalPort(), List.of(), false, "two"));

    byte[] hello = "hello inside two".getBytes(StandardCharsets.US_ASCII);
    String inTwo = "echo." + carol.id() + ".two.network.wh";
    Object[] r = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> echo(alice, inTwo, hello), x -> (int) x[0] == 0);
    assertArrayEquals(hello, (byte[]) r[1]);
    // The plain name goes through the first network the two share ("one"): refused there.
    assertEquals(0x05, (int) echo(alice, "echo." + carol.id() + ".wh", hello)[0], "connection refused");
    var refused = carol.networks().status().join().getAsJsonObject("streams_refused");
    assertTrue(refused.get("other_path").getAsLong() >= 1, refused.toString());
    // A network alice is not in: host unreachable.
    assertEquals(0x04, (int) echo(alice, "echo." + carol.id() + ".three.network.wh", hello)[0]);
  }
}
