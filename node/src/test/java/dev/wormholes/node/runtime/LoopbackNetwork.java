package dev.wormholes.node.runtime;

import dev.wormholes.node.NodeConfig;
import dev.wormholes.node.WormholesNode;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * N in-memory nodes in one JVM, node i bound to its own loopback address 127.0.B.C (so per-source
 * limits see distinct sources, as on a real network), all on a shared event loop group, LAN
 * discovery off, no control API. Nodes 1..N-1 bootstrap from node 0. Traffic stays on loopback.
 */
public final class LoopbackNetwork implements AutoCloseable {
  private final EventLoopGroup group;
  private final List<WormholesNode> nodes = new ArrayList<>();

  private LoopbackNetwork(int threads) {
    this.group = Transports.newGroup(threads, "test-net");
  }

  /** Start {@code n} nodes on {@code threads} event loop threads, the first bound at 127.0.{@code subnet}.1. */
  public static LoopbackNetwork start(int n, int threads, int subnet) {
    return start(n, threads, subnet, 0);
  }

  /** Like {@link #start(int, int, int)}, in network {@code networkId} (0: the public network). */
  public static LoopbackNetwork start(int n, int threads, int subnet, long networkId) {
    LoopbackNetwork net = new LoopbackNetwork(threads);
    try {
      for (int i = 0; i < n; i++) {
        InetSocketAddress listen = new InetSocketAddress("127.0." + (subnet + i / 250) + "." + (1 + i % 250), 0);
        NodeConfig.Builder b = NodeConfig.builder().inMemory(true).listen(listen).api(null)
            .lanDiscovery(false).eventLoopGroup(net.group).networkId(networkId);
        if (i > 0) {
          b.bootstrap(net.nodes.get(0).udpAddress());
        }
        net.nodes.add(WormholesNode.start(b.build()));
      }
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /** Return the nodes. */
  public List<WormholesNode> nodes() {
    return nodes;
  }

  /** Return node {@code i}. */
  public WormholesNode node(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    nodes.forEach(WormholesNode::close);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
