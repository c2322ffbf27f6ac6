package dev.wormholes.node.networks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import dev.wormholes.node.it.TcpServices;
import dev.wormholes.node.path.Ping;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.ServiceRefusedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Streams inside a private network (in process, loopback): alice is private-only, bob and carol
 * are in the public network and in the private one, eve only in the public one. Bob pings alice
 * and opens a stream to carol's service exposed to the network, both through the network; eve
 * gets nothing from alice (whose socket drops plain QUIC) and is refused carol's network service
 * over a public connection, and so is bob when he comes by the public path.
 */
class NetworkStreamsTest {
  private WormholesNode alice;
  private WormholesNode bob;
  private WormholesNode carol;
  private WormholesNode eve;
  private ServerSocket service;

  private static WormholesNode start(String ip, boolean publicNetwork) {
    return WormholesNode.start(NodeConfig.builder().inMemory(true).api(null).lanDiscovery(false)
        .portMapping(false).streams(true).socks(null).publicNetwork(publicNetwork)
        .listen(new InetSocketAddress(ip, 0)).build());
  }

  @AfterEach
  void stop() throws IOException {
    for (WormholesNode n : new WormholesNode[] {alice, bob, carol, eve}) {
      if (n != null) {
        n.close();
      }
    }
    if (service != null) {
      service.close();
    }
  }

  private static Throwable failure(java.util.concurrent.CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, () -> f.orTimeout(20, TimeUnit.SECONDS).join());
    return e.getCause();
  }

  @Test
  void membersStreamThroughTheNetworkAndNobodyElseGetsIn() throws Exception {
    alice = start("127.0.5.1", false);
    bob = start("127.0.5.2", true);
    carol = start("127.0.5.3", true);
    eve = start("127.0.5.4", true);
    alice.networks().create("friends").join();
    bob.networks().join(alice.networks().invite("friends", false, 60).join(), null).join();
    carol.networks().join(alice.networks().invite("friends", false, 60).join(), null).join();
    service = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
    TcpServices.echo(service);
    carol.streams().expose(new ServiceRecord("echo", "127.0.0.1:" + service.getLocalPort(), List.of(), false,
        "friends"));

    List<Double> rtts = await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          try {
            return bob.networks().ping("friends", alice.id(), 3).get(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            return null;
          }
        }, r -> r != null);
    assertEquals(3, rtts.size());
    SecureStream s = await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          try {
            return bob.networks().dial("friends", carol.id(), "echo").get(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            return null;
          }
        }, r -> r != null);
    s.channel().close();
    assertTrue(bob.networks().status().join().get("quic_out").getAsLong() > 0);

    // Eve, an outsider: alice's socket takes no plain QUIC; carol's network service is not public.
    InetSocketAddress aliceAt = new InetSocketAddress("127.0.5.1", alice.udpAddress().getPort());
    failure(eve.streams().transport().connect(aliceAt, alice.id(), Ping.SERVICE, 0));
    InetSocketAddress carolAt = new InetSocketAddress("127.0.5.3", carol.udpAddress().getPort());
    assertInstanceOf(ServiceRefusedException.class,
        failure(eve.streams().transport().connect(carolAt, carol.id(), "echo", 0)));
    // Bob by the public path (he is a member, but not through the network): refused as well.
    assertInstanceOf(ServiceRefusedException.class,
        failure(bob.streams().transport().connect(carolAt, carol.id(), "echo", 0)));
    // Eve is no member: she cannot dial inside the network at all.
    assertThrows(CompletionException.class, () -> eve.networks().dial("friends", carol.id(), "echo").join());
    var refused = carol.networks().status().join().getAsJsonObject("streams_refused");
    assertTrue(refused.get("other_path").getAsLong() >= 1, refused.toString());
  }
}
