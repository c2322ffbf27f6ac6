package dev.wormholes.node.relay;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.node.RelayCore;
import dev.wormholes.nat.relay.RelayClient;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.SecureStream;
import dev.wormholes.node.stream.StreamTestSupport;
import dev.wormholes.node.stream.StreamEnds;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Three in-process nodes on loopback: relay R, requester A, target B registered with R (R's
 * registration lookup knows B's address; B accepts circuits from R). B exposes "echo". More
 * requesters can be added with {@link #requester}.
 */
final class RelayTrio implements AutoCloseable {
  final Identity rId = StreamTestSupport.newIdentity();
  final Identity aId = StreamTestSupport.newIdentity();
  final Identity bId = StreamTestSupport.newIdentity();
  final StreamTransport r;
  final StreamTransport a;
  final StreamTransport b;
  final RelayAgent relay;
  final RelayAgent atA;
  final RelayAgent atB;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  RelayTrio(RelayLimits limits) throws InterruptedException {
    this(limits, true);
  }

  /**
   * Make the trio; {@code loopbackPackets} false gives every node the 1350-byte packets of internet
   * peers on the direct path too (relay circuits always have them), not loopback-sized ones.
   */
  RelayTrio(RelayLimits limits, boolean loopbackPackets) throws InterruptedException {
    StreamTestSupport.quietLogs();
    r = add(node(rId, loopbackPackets));
    a = add(node(aId, loopbackPackets));
    b = add(node(bId, loopbackPackets));
    relay = add(new RelayAgent(r, rId,
        host(id -> id.equals(bId.id()) ? Optional.of(b.localAddress()) : Optional.empty(), true, List.of()),
        () -> System.nanoTime() / 1_000_000, new SecureRandom(), limits, RelayClient.Settings.defaults()).start());
    atA = add(new RelayAgent(a, aId, host(id -> Optional.empty(), false, List.of())).start());
    atB = add(new RelayAgent(b, bId,
        host(id -> Optional.empty(), false, List.of(new Contact(rId.id(), r.localAddress())))).start());
    b.expose("echo", Exposure.open(s -> {
      s.channel().pipeline().addLast(new Echo());
      s.accept();
    }));
  }

  private static StreamTransport node(Identity id, boolean loopbackPackets) throws InterruptedException {
    StreamTransport.Builder b = StreamTransport.builder(id);
    return (loopbackPackets ? b : b.loopbackPayload(0)).build();
  }

  /** Return a new requester node bound to {@code ip} with its agent: {transport, agent}. */
  Object[] requester(String ip) throws InterruptedException {
    Identity id = StreamTestSupport.newIdentity();
    StreamTransport t = add(StreamTransport.builder(id)
        .bind(new InetSocketAddress(ip, 0)).build());
    RelayAgent agent = add(new RelayAgent(t, id, host(x -> Optional.empty(), false, List.of())).start());
    return new Object[] {t, agent};
  }

  /** A node's rendezvous state: its registrations, whether it serves, its rendezvous peers. */
  static RelayCore.Host host(Function<NodeId, Optional<InetSocketAddress>> registered, boolean serving,
      List<Contact> rendezvous) {
    return new RelayCore.Host() {
      @Override
      public Optional<InetSocketAddress> registered(NodeId id) {
        return registered.apply(id);
      }

      @Override
      public boolean serving() {
        return serving;
      }

      @Override
      public List<Contact> rendezvous() {
        return rendezvous;
      }
    };
  }

  /** Open a circuit from {@code agent} through R to B. */
  InetSocketAddress openToB(RelayAgent agent) throws Exception {
    return agent.open(r.localAddress(), rId.id(), bId.id()).get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Connect {@code t} through {@code synthetic} to B's echo service. */
  SecureStream echo(StreamTransport t, InetSocketAddress synthetic, NodeId expect) throws Exception {
    return t.connect(synthetic, expect, "echo", 0).get(15, java.util.concurrent.TimeUnit.SECONDS);
  }

  private <T extends AutoCloseable> T add(T c) {
    closeables.add(0, c);
    return c;
  }

  @Override
  public void close() {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // closing a test fixture: keep closing the rest
      }
    }
  }

  /** Writes back what it reads; ends its output when the peer ends its own. */
  static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
            .addListener(f -> StreamEnds.endOutput((DuplexChannel) ctx.channel()));
      }
    }
  }
}
