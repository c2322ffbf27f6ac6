package dev.wormholes.node;

import dev.wormholes.node.api.ApiJson;
import dev.wormholes.node.mainline.MainlineAgent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code wormholed}: run a node in the foreground (api contract "Launchers"). Prints one ready line
 * {@code wormholed <ID> listening on udp HOST:PORT, api 127.0.0.1:PORT, socks 127.0.0.1:PORT} (then
 * {@code , metrics HOST:PORT} with {@code --metrics}); SIGTERM, SIGINT or {@code
 * POST /v1/shutdown} shut it down cleanly with exit status 0. Startup failures print one line
 * {@code wormholed: ...} on stderr and exit 1; usage errors exit 2.
 */
@Command(name = "wormholed", mixinStandardHelpOptions = true, version = "wormholed 0.1.0",
    description = "Run a Wormholes node in the foreground.")
public final class Wormholed implements Callable<Integer> {
  @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: ~/.wormholes)")
  Path data = Path.of(System.getProperty("user.home"), ".wormholes");

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "UDP address (default: 0.0.0.0:7447)")
  String listen = "0.0.0.0:" + NodeConfig.DEFAULT_PORT;

  @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "a node to join through (repeatable)")
  List<String> bootstrap = new ArrayList<>();

  @Option(names = "--api", paramLabel = "HOST:PORT", description = "control API address, loopback only (default: 127.0.0.1:0)")
  String api = "127.0.0.1:0";

  @Option(names = "--socks", paramLabel = "HOST:PORT",
      description = "SOCKS5 proxy for SERVICE.NODE_ID.wh, loopback only (default: 127.0.0.1:0, port in DATA/socks.port)")
  String socks = "127.0.0.1:0";

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "serve Prometheus metrics at http://HOST:PORT/metrics, loopback only (default: off)")
  String metrics;

  @Option(names = "--no-lan-discovery", description = "do not announce or listen on the LAN multicast group")
  boolean noLanDiscovery;

  @Option(names = "--no-port-mapping",
      description = "do not ask the default gateway for a port mapping (PCP, NAT-PMP, UPnP)")
  boolean noPortMapping;

  @Option(names = "--no-relay", description = "do not serve as rendezvous or relay, even when public")
  boolean noRelay;

  @Option(names = "--mainline-router", paramLabel = "HOST:PORT",
      description = "a BitTorrent mainline DHT router to bootstrap from (repeatable; default: the well-known routers)")
  List<String> mainlineRouters = new ArrayList<>();

  @Option(names = "--no-mainline",
      description = "do not use BitTorrent's mainline DHT (no announce, no published record, no lookups there)")
  boolean noMainline;

  @Option(names = "--all-interfaces", description = "advertise the addresses of every interface as LAN endpoints,"
      + " also containers, bridges, VPN tunnels and global IPv6 (default: only the machine's own LAN)")
  boolean allInterfaces;

  @Option(names = "--no-public", description = "private networks only: answer nothing of the public network"
      + " (no public DHT, punching, relaying, LAN discovery or mainline)")
  boolean noPublic;

  @Option(names = "--network-id", hidden = true, description = "network id (0: the public network)")
  long networkId;

  @Option(names = "--id-work-bits", hidden = true,
      description = "the network's id work factor in bits (default: the public network's)")
  int idWorkBits = dev.wormholes.dht.DhtConfig.PUBLIC_ID_WORK_BITS;

  /** Run {@code wormholed} with {@code args} and exit with its status. */
  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new Wormholed());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      System.err.println("wormholed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    System.exit(cl.execute(args));
  }

  /** Return the node configuration the options describe; throw IllegalArgumentException on bad input. */
  NodeConfig config() {
    InetSocketAddress apiAddress = HostPort.parse(api);
    if (!apiAddress.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the control API listens on loopback only: --api " + api);
    }
    InetSocketAddress socksAddress = HostPort.parse(socks);
    if (!socksAddress.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the SOCKS proxy listens on loopback only: --socks " + socks);
    }
    InetSocketAddress metricsAddress = metrics == null ? null : HostPort.parse(metrics);
    if (metricsAddress != null && !metricsAddress.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("metrics are served on loopback only: --metrics " + metrics);
    }
    if (idWorkBits < 0 || idWorkBits > 32) {
      throw new IllegalArgumentException("--id-work-bits is 0..32, got " + idWorkBits);
    }
    NodeConfig.Builder b = NodeConfig.builder()
        .streams(true)
        .socks(socksAddress)
        .dataDir(data)
        .listen(HostPort.parse(listen))
        .api(apiAddress)
        .lanDiscovery(!noLanDiscovery && !noPublic)
        .publicNetwork(!noPublic)
        .portMapping(!noPortMapping)
        .relay(!noRelay && !noPublic)
        .metrics(metricsAddress)
        .networkId(networkId)
        .idWorkBits(idWorkBits);
    for (String s : bootstrap) {
      b.bootstrap(HostPort.parse(s));
    }
    for (String r : mainlineRouters) {
      HostPort.checkSyntax(r);
    }
    if (!noMainline && !noPublic && networkId == 0) {
      b.mainlineRouters(mainlineRouters.isEmpty() ? MainlineAgent.DEFAULT_ROUTERS : mainlineRouters);
    }
    return b.build();
  }

  @Override
  public Integer call() {
    NodeConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      System.err.println("wormholed: " + e.getMessage());
      return 2;
    }
    dev.wormholes.node.runtime.LocalAddresses.advertiseAll(allInterfaces);
    WormholesNode node = WormholesNode.start(config);
    CompletableFuture<Void> stop = new CompletableFuture<>();
    onSignal("TERM", stop);
    onSignal("INT", stop);
    node.shutdownRequested().thenRun(() -> stop.complete(null));
    InetSocketAddress udp = node.udpAddress();
    System.out.println("wormholed " + node.id() + " listening on udp " + ApiJson.address(udp)
        + ", api " + (node.apiAddress() == null ? "none" : ApiJson.address(node.apiAddress()))
        + ", socks " + (node.socksAddress() == null ? "none" : ApiJson.address(node.socksAddress()))
        + (node.metricsAddress() == null ? "" : ", metrics " + ApiJson.address(node.metricsAddress())));
    if (node.lacksIdWork()) {
      System.out.println(node.idWorkNotice());
    }
    if (node.streams() != null) {
      node.streams().people().takeRecoveryCode().ifPresent(code -> System.out.println(
          "wormholed: new persona " + node.streams().people().whoami().get("persona").getAsString()
              + "; its recovery code, shown only now (write it down; it is not kept): " + code));
    }
    System.out.flush();
    stop.join();
    node.close();
    return 0;
  }

  /**
   * Complete {@code stop} on signal {@code name} instead of the JVM's default (which would exit
   * with 128+signal before a clean shutdown).
   */
  @SuppressWarnings("restriction")
  private static void onSignal(String name, CompletableFuture<Void> stop) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop.complete(null));
    } catch (IllegalArgumentException e) {
      // Signal unavailable on this platform: the default handling stays.
    }
  }
}
