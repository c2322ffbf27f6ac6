package dev.wormholes.node;

import dev.wormholes.node.api.ApiException;
import dev.wormholes.node.api.StreamControl;
import dev.wormholes.node.nat.NatAgent;
import dev.wormholes.node.onion.OnionAgent;
import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.PathFinder;
import dev.wormholes.node.path.PathKind;
import dev.wormholes.node.path.Ping;
import dev.wormholes.node.path.Punching;
import dev.wormholes.node.people.DeviceOrder;
import dev.wormholes.node.people.People;
import dev.wormholes.node.people.PeopleDht;
import dev.wormholes.node.people.PetnameDialer;
import dev.wormholes.node.relay.RelayAgent;
import dev.wormholes.node.runtime.SharedSocket;
import dev.wormholes.node.runtime.UdpRuntime;
import dev.wormholes.node.socks.SocksCredentials;
import dev.wormholes.node.socks.SocksServer;
import dev.wormholes.node.store.NodeStore;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.LocalPortService;
import dev.wormholes.node.stream.ServiceHeader;
import dev.wormholes.node.stream.StreamTransport;
import dev.wormholes.node.whisper.Whispers;
import dev.wormholes.people.PersonUrl;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjDoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's secure streams: the {@link StreamTransport} that owns the node's one UDP socket (the
 * DHT runtime gets its datagrams through {@link #opener()}), the exposed services (kept in the
 * {@link NodeStore}, so they survive a restart), the NAT agent ({@link NatAgent}: observation,
 * classification, port mapping, rendezvous, hole punching), the relay agent ({@link RelayAgent}),
 * the paths to other nodes ({@link PathFinder}, which uses both), the dialer by node id ({@link
 * PresenceDialer}) and the loopback SOCKS proxy. Everything runs on the runtime's event loop.
 *
 * <p>Life cycle: {@link #opener()} is handed to {@link UdpRuntime#start}; then {@link #start}
 * restores the stored exposures and binds the SOCKS proxy; {@link #close()} closes the proxy (the
 * runtime closes the socket).
 */
public final class NodeStreams implements StreamControl, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStreams.class);
  /** How long one endpoint gets to complete the QUIC handshake before the next is tried. */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
  /** Service names of this prefix belong to the node itself. */
  static final String RESERVED_PREFIX = "wh-";

  private final Identity identity;
  private final NodeStore store;
  private final InetSocketAddress socksListen;
  private final SocksCredentials socksCredentials;
  private volatile StreamTransport transport;
  private volatile SocksServer socks;
  private PresenceDialer dialer;
  private PathFinder paths;
  private volatile People people;
  private volatile Whispers whispers;
  private volatile OnionAgent onion;
  private volatile ObjDoubleConsumer<PathKind> rtts = (k, ms) -> { };
  private volatile dev.wormholes.node.networks.PrivateNetworks networks;

  private final NatAgent.Options natOptions;
  private volatile NatAgent nat;
  private volatile RelayAgent relay;

  /**
   * Streams for {@code identity}, exposures kept in {@code store}, SOCKS on {@code socksListen}
   * (null: none) for clients that present {@code socksCredentials}, NAT traversal as {@code
   * natOptions} say.
   */
  NodeStreams(Identity identity, NodeStore store, InetSocketAddress socksListen, SocksCredentials socksCredentials,
      NatAgent.Options natOptions) {
    this.identity = identity;
    this.store = store;
    this.socksListen = socksListen;
    this.socksCredentials = socksCredentials;
    this.natOptions = natOptions;
  }

  /** Return the opener that binds the node's socket as a {@link StreamTransport} on the runtime's loop. */
  SharedSocket.Opener opener() {
    return (EventLoop loop, InetSocketAddress listen, SharedSocket.Inbound inbound) -> {
      StreamTransport t = StreamTransport.builder(identity)
          .group(loop)
          .bind(listen)
          .handshakeTimeout(HANDSHAKE_TIMEOUT)
          .datagramSink(inbound::onDatagram)
          .build();
      transport = t;
      return new SharedSocket() {
        @Override
        public InetSocketAddress localAddress() {
          return t.localAddress();
        }

        @Override
        public void setSink(int first, SharedSocket.Inbound sink) {
          t.setSink(first, sink == null ? null : sink::onDatagram);
        }

        @Override
        public void send(InetSocketAddress to, byte[] datagram) {
          t.sendDatagram(to, datagram);
        }

        @Override
        public void sendRaw(InetSocketAddress to, byte[] datagram) {
          t.sendRaw(to, datagram);
        }

        @Override
        public void close() {
          t.close();
        }
      };
    };
  }

  /** Restore the stored exposures and bind the SOCKS proxy; dial through {@code runtime}'s DHT. */
  void start(UdpRuntime runtime) throws InterruptedException {
    nat = NatAgent.start(transport, runtime, natOptions);
    paths = new PathFinder(runtime, transport);
    NatAgent agent = nat;
    paths.punching((target, record) -> agent.punch(target, record)
        .thenApply(p -> new Punching.Punched(p.endpoint(), PathKind.of(p.kind()), p.probesSent())));
    relay = new RelayAgent(transport, identity, agent).start(runtime::setSink);
    agent.setRelay(relay::servedCircuits, relay::refusals);
    paths.relaying(relay::open);
    paths.selfHard(agent::selfHard);
    dialer = new PresenceDialer(paths);
    transport.expose(Ping.SERVICE, Ping.echo());
    people = People.open(store, identity, new java.security.SecureRandom(),
        () -> System.currentTimeMillis() / 1000);
    people.attach(transport, dialer);
    // One device order for every path to a person's devices (whispers, the SOCKS proxy's names).
    DeviceOrder deviceOrder = people.deviceOrder();
    whispers = Whispers.open(store, identity, people, System::currentTimeMillis, deviceOrder);
    whispers.attach(transport, dialer, 1_000);
    dev.wormholes.node.whisper.Mailboxes boxes = dev.wormholes.node.whisper.Mailboxes.open(store, identity, people,
        System::currentTimeMillis, deviceOrder, whispers::takeFromMailbox);
    whispers.useMailboxes(boxes);
    boxes.attach(transport, dialer, 1_000);
    boxes.publishWith(runtime::setPresenceMailboxes);
    people.attachDht(peopleDht(runtime, boxes), runtime.eventLoop(), PEOPLE_POLL_SECONDS);
    onion = OnionAgent.start(identity, transport, dialer, people, OnionAgent.directory(runtime, dialer));
    for (Map.Entry<String, String> e : store.loadServices().entrySet()) {
      Optional<ServiceRecord> r = ServiceRecord.decode(e.getValue());
      if (r.isEmpty()) {
        LOG.warn("ignoring an unreadable stored exposure of service {}", e.getKey());
        continue;
      }
      try {
        activate(r.get());
      } catch (RuntimeException ex) {
        LOG.warn("cannot expose stored service {}: {}", e.getKey(), ex.getMessage());
      }
    }
    if (socksListen != null) {
      // On the shared NIO loop of relays' TCP sockets (NettyTransports.tcpGroup says why not epoll).
      socks = SocksServer.bind(socksListen, new PetnameDialer(onionDialer(), people, deviceOrder), socksCredentials);
    }
  }

  /** How often contacts' presence records are read for a newer key-log head. */
  static final long PEOPLE_POLL_SECONDS = 60;

  // Contacts' records read here also carry the mailboxes their persons named.
  private PeopleDht peopleDht(UdpRuntime runtime, dev.wormholes.node.whisper.Mailboxes boxes) {
    return new PeopleDht() {
      @Override
      public CompletableFuture<dev.wormholes.proto.wire.Presence> presence(NodeId node) {
        return paths.presence(node).thenApply(record -> {
          boxes.seen(record);
          return record;
        });
      }

      @Override
      public CompletableFuture<Optional<dev.wormholes.proto.wire.StoredValue>> get(NodeId key) {
        return runtime.query((e, now) -> e.get(key, now)).thenApply(r ->
            r instanceof dev.wormholes.dht.QueryResult.Found f ? Optional.of(f.value()) : Optional.empty());
      }

      @Override
      public CompletableFuture<Void> publish(dev.wormholes.proto.wire.StoredValue value) {
        return runtime.query((e, now) -> e.publish(value, now)).thenApply(r -> null);
      }

      @Override
      public void head(dev.wormholes.proto.wire.PersonaHead head) {
        runtime.setPresencePersona(head);
      }

      @Override
      public long networkId() {
        return runtime.networkId();
      }
    };
  }

  /** The dialer by node id, with onion names dialled through the onion agent's circuit. */
  private dev.wormholes.node.socks.StreamDialer onionDialer() {
    PresenceDialer direct = dialer;
    OnionAgent circuits = onion;
    return new dev.wormholes.node.socks.StreamDialer() {
      @Override
      public CompletableFuture<dev.wormholes.node.stream.SecureStream> dial(NodeId node, String service) {
        dev.wormholes.node.networks.PrivateNetworks n = networks;
        if (n == null) {
          return direct.dial(node, service);
        }
        return n.shares(node).thenCompose(shared -> shared ? n.dial(null, node, service) : direct.dial(node, service));
      }

      @Override
      public CompletableFuture<dev.wormholes.node.socks.CircuitStream> dialOnion(NodeId node, String service) {
        return circuits.open(node, service);
      }

      @Override
      public CompletableFuture<dev.wormholes.node.stream.SecureStream> dialInNetwork(String network, NodeId node,
          String service) {
        dev.wormholes.node.networks.PrivateNetworks n = networks;
        return n == null ? CompletableFuture.failedFuture(new IllegalArgumentException("this node is in no network"))
            : n.dial(network, node, service);
      }
    };
  }

  @Override
  public CompletableFuture<com.google.gson.JsonObject> circuits() {
    OnionAgent a = onion;
    return a == null ? StreamControl.super.circuits() : a.status();
  }

  /**
   * Serve services exposed to private networks and dial members through {@code n}: from now on a
   * {@code .wh} name of a node this node shares a network with is dialled inside that network.
   */
  void networks(dev.wormholes.node.networks.PrivateNetworks n) {
    networks = n;
  }

  /** Return the transport (null before the runtime started). */
  public StreamTransport transport() {
    return transport;
  }

  @Override
  public CompletableFuture<Ping.Result> ping(NodeId node, int count, boolean viaRelay) {
    return Ping.run(paths, node, count, viaRelay).whenComplete((r, e) -> {
      if (r != null) {
        r.rttMs().forEach(ms -> rtts.accept(r.path().kind(), ms));
      }
    });
  }

  /** Hand every round-trip time a ping measures, in milliseconds, with its path's kind to {@code observer}. */
  public void observeRtts(ObjDoubleConsumer<PathKind> observer) {
    this.rtts = observer;
  }

  @Override
  public List<Path> paths() {
    return paths == null ? List.of() : paths.paths();
  }

  /** Return the NAT agent (null before {@link #start}). */
  public NatAgent nat() {
    return nat;
  }

  /** Return the persona and contacts (null before {@link #start}). */
  public People people() {
    return people;
  }

  /** Return the whispers (null before {@link #start}). */
  public Whispers whispers() {
    return whispers;
  }

  /** Return the dialer by node id. */
  public PresenceDialer dialer() {
    return dialer;
  }

  @Override
  public Connections connections() {
    StreamTransport t = transport;
    return t == null ? new Connections(0, 0, 0)
        : new Connections(t.acceptedConnections(), t.refusedConnectionsTotal(), t.refusedConnectionsPerPeer());
  }

  @Override
  public SocksCredentials socksCredentials() {
    return socksCredentials;
  }

  @Override
  public InetSocketAddress socksAddress() {
    SocksServer s = socks;
    return s == null ? null : s.localAddress();
  }

  @Override
  public synchronized ServiceRecord expose(ServiceRecord record) {
    String name = record.service();
    if (!PersonUrl.isServiceName(name) || !name.equals(name.toLowerCase(Locale.ROOT))) {
      throw new ApiException(400, "not a service name: '" + ApiException.clip(name)
          + "' (lower-case letters, digits and '-', as in a DNS label)");
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new ApiException(400, "service names starting with '" + RESERVED_PREFIX
          + "' are the node's own (" + Ping.SERVICE + " answers wormholes ping)");
    }
    ServiceRecord canonical = new ServiceRecord(name, record.target(),
        new ArrayList<>(new java.util.TreeSet<>(record.allow())), record.everyone(), record.network());
    Exposure exposure = exposure(canonical);
    store.saveService(name, canonical.encode()); // saved before it goes live: what serves is what a restart restores
    transport.expose(name, exposure);
    return canonical;
  }

  private void activate(ServiceRecord r) {
    transport.expose(r.service(), exposure(r));
  }

  // The live form of r; throw ApiException 400 for a bad target.
  private Exposure exposure(ServiceRecord r) {
    InetSocketAddress target;
    try {
      target = HostPort.parse(r.target());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "bad target for service " + r.service() + ": " + e.getMessage());
    }
    if (target.getPort() == 0) {
      throw new ApiException(400, "bad target for service " + r.service() + ": port 0");
    }
    LocalPortService service = new LocalPortService(target);
    if (r.network() != null) { // open to the approval gate; members of the network only, through it
      String net = r.network();
      return Exposure.open(stream -> {
        dev.wormholes.node.networks.PrivateNetworks n = networks;
        Optional<String> why = n == null ? Optional.of("no private networks") : n.refusal(net, stream.peer(),
            stream.channel().parent().remoteSocketAddress());
        if (why.isPresent()) {
          LOG.debug("refused {} to {} (network {}): {}", r.service(), stream.peer().shortString(), net, why.get());
          stream.refuse(ServiceHeader.Status.UNKNOWN_SERVICE, "service '" + r.service() + "' is not exposed to this node");
        } else {
          service.onStream(stream);
        }
      });
    }
    return new Exposure(r.everyone() ? null : new HashSet<NodeId>(r.allow()), service);
  }

  @Override
  public synchronized boolean unexpose(String service) {
    transport.unexpose(service);
    return store.removeService(service);
  }

  @Override
  public List<ServiceRecord> services() {
    List<ServiceRecord> out = new ArrayList<>();
    store.loadServices().values().forEach(v -> ServiceRecord.decode(v).ifPresent(out::add));
    return out;
  }

  /** Close the SOCKS proxy and the NAT agent (port mapping deleted); relays end with the socket. */
  @Override
  public void close() {
    Whispers w = whispers;
    if (w != null) {
      w.close();
    }
    OnionAgent o = onion;
    if (o != null) {
      o.close();
    }
    NatAgent n = nat;
    if (n != null) {
      n.close();
    }
    RelayAgent r = relay;
    if (r != null) {
      r.close();
    }
    SocksServer s = socks;
    if (s != null) {
      s.close();
    }
  }
}
