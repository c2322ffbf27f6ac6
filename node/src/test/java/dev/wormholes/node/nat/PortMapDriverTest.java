package dev.wormholes.node.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.portmap.PortMapProtocol;
import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.runtime.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PortMapDriver} against a scripted NAT-PMP gateway on 127.0.11.1:5351 (loopback only):
 * PCP answered "unsupported version", NAT-PMP maps, a reply from another address is refused and
 * counted, stop deletes the mapping. Also: where the gateway comes from, and that nothing in-process
 * maps ports unless asked.
 */
class PortMapDriverTest {
  private static final InetAddress GW = ip(127, 0, 11, 1);
  private static final InetAddress LOCAL = ip(127, 0, 11, 2);
  private static final InetAddress ELSEWHERE = ip(127, 0, 11, 3);
  private static final InetAddress EXTERNAL = ip(198, 51, 100, 44);

  private static InetAddress ip(int a, int b, int c, int d) {
    return dev.wormholes.nat.Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }

  /** A NAT-PMP-only gateway: answers what it gets until {@code stop}; remembers the requests. */
  private static final class FakeGateway implements Runnable {
    final DatagramSocket socket;
    final List<byte[]> requests = new CopyOnWriteArrayList<>();
    volatile InetSocketAddress client;
    volatile boolean stop;

    FakeGateway() throws Exception {
      socket = new DatagramSocket(new InetSocketAddress(GW, 5351));
      socket.setSoTimeout(100);
    }

    @Override
    public void run() {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      byte[] buf = new byte[1100];
      while (!stop && System.nanoTime() < end) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        } catch (Exception e) {
          return;
        }
        byte[] req = java.util.Arrays.copyOf(p.getData(), p.getLength());
        requests.add(req);
        client = (InetSocketAddress) p.getSocketAddress();
        byte[] answer = answer(req);
        try {
          socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
        } catch (Exception e) {
          return;
        }
      }
    }

    private static byte[] answer(byte[] req) {
      if (req[0] != 0) { // PCP: a NAT-PMP server says "unsupported version" (RFC 6887 9)
        return new byte[] {0, (byte) (128 + (req[1] & 0x7F)), 0, 1, 0, 0, 0, 7};
      }
      if (req[1] == 0) { // external address
        return ByteBuffer.allocate(12).put((byte) 0).put((byte) 128).putShort((short) 0).putInt(7)
            .put(EXTERNAL.getAddress()).array();
      }
      ByteBuffer in = ByteBuffer.wrap(req);
      in.position(4);
      short internal = in.getShort();
      in.getShort();
      int lifetime = in.getInt();
      return ByteBuffer.allocate(16).put((byte) 0).put((byte) 129).putShort((short) 0).putInt(7)
          .putShort(internal).putShort(lifetime == 0 ? 0 : (short) 41_000).putInt(lifetime).array();
    }
  }

  @Test
  void mapsWithNatPmpRefusesOtherSourcesAndDeletesOnStop() throws Exception {
    FakeGateway gw = new FakeGateway();
    Thread t = new Thread(gw, "fake-gateway");
    t.start();
    EventLoopGroup group = Transports.newGroup(1, "portmap-test");
    try {
      EventLoop loop = group.next();
      CompletableFuture<InetSocketAddress> mapped = new CompletableFuture<>();
      List<String> events = new CopyOnWriteArrayList<>();
      PortMapDriver d = new PortMapDriver(loop, new DefaultGateway(GW, LOCAL, "lo"), 4000,
          new SplittableRandom(5), (endpoint, protocol, lifetime) -> {
            events.add(endpoint + " " + protocol + " " + lifetime);
            if (endpoint != null) {
              assertEquals(PortMapProtocol.NAT_PMP, protocol);
              mapped.complete(endpoint);
            }
          });
      loop.execute(d::start);
      assertEquals(new InetSocketAddress(EXTERNAL, 41_000), mapped.get(10, TimeUnit.SECONDS));
      assertTrue(gw.requests.get(0)[0] == 2, "PCP first");

      // A forged NAT-PMP answer from another loopback address: refused and counted.
      byte[] forged = ByteBuffer.allocate(16).put((byte) 0).put((byte) 129).putShort((short) 0).putInt(8)
          .putShort((short) 4000).putShort((short) 666).putInt(7200).array();
      try (DatagramSocket evil = new DatagramSocket(new InetSocketAddress(ELSEWHERE, 0))) {
        evil.send(new DatagramPacket(forged, forged.length, gw.client));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (loop.submit(d::refusedCount).get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20); // real I/O: the forged datagram crosses the kernel
      }
      assertEquals(1L, loop.submit(d::refusedCount).get());

      int before = gw.requests.size();
      loop.submit(d::stop).get().get(5, TimeUnit.SECONDS);
      byte[] delete = gw.requests.get(gw.requests.size() - 1);
      assertTrue(gw.requests.size() > before);
      assertEquals(1, delete[1]);
      assertEquals(0, ByteBuffer.wrap(delete).getInt(8), "lifetime 0 deletes the mapping");
      assertTrue(events.get(events.size() - 1).startsWith("null"), events.toString());
    } finally {
      gw.stop = true;
      t.join(2000);
      gw.socket.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void theGatewayIsTheDefaultRouteOfProcNetRouteAndOnlyAPrivateOne() {
    List<String> table = List.of(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
        "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
        "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0");
    DefaultGateway g = DefaultGateway.parse(table).orElseThrow();
    assertEquals(ip(10, 0, 0, 1), g.gateway());
    assertEquals("eth0", g.iface());
    // A public gateway (a provider's router seen directly) is never asked.
    assertTrue(DefaultGateway.parse(List.of(table.get(0), "eth0\t00000000\t017100CB\t0003\t0\t0\t0\t00000000\t0\t0\t0")).isEmpty());
    // A namespace with only loopback (the process tests) has no default route at all.
    assertTrue(DefaultGateway.parse(List.of(table.get(0))).isEmpty());
    assertTrue(DefaultGateway.parse(List.of("garbage", "eth0 00000000 zz 0003")).isEmpty());
    assertTrue(DefaultGateway.isPrivate(ip(192, 168, 1, 1)));
    assertTrue(DefaultGateway.isPrivate(ip(100, 64, 0, 1)));
    assertFalse(DefaultGateway.isPrivate(ip(203, 0, 113, 1)));
  }

  @Test
  void inProcessNodesDoNotMapPortsUnlessAsked() {
    assertFalse(NodeConfig.builder().build().portMapping(), "in-process default: no gateway traffic");
    assertTrue(NodeConfig.builder().portMapping(true).build().portMapping());
    assertTrue(NodeConfig.builder().build().relay());
  }
}
