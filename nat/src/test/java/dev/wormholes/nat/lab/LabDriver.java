package dev.wormholes.nat.lab;

import dev.wormholes.nat.NatClassifier;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.Networks;
import dev.wormholes.nat.portmap.HttpRequest;
import dev.wormholes.nat.portmap.PortMapEvent;
import dev.wormholes.nat.portmap.PortMapProtocol;
import dev.wormholes.nat.portmap.PortMapper;
import dev.wormholes.nat.punch.Candidate;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchEvent;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.nat.punch.Rendezvous;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The real-socket driver of the nat engines, run by the lab tests inside network namespaces
 * ({@code ip netns exec NS java ... LabDriver MODE ...}). It is the drive loop that node/ will
 * have: one selector, every engine output drained after every input. Output is one line per
 * fact on stdout ({@code ID}, {@code REPORT}, {@code REGISTERED}, {@code PATH}, {@code FAILED},
 * {@code ACQUIRED}, {@code RECEIVED}, {@code LOST}); the test parses it.
 *
 * <ul>
 *   <li>{@code rendezvous IP HELPER_IP TRUSTED_IP SECONDS}: a {@link Rendezvous} on IP:3478
 *       (socket 0), IP:3480 (socket 1, dial-backs from another port) and IP:3479 (observations).
 *   <li>{@code node SEED LAN_IP RV1 RV2 TARGET_SEED|- SECONDS [GATEWAY]}: classify the NAT with
 *       {@link NatClassifier} through the two rendezvous peers, map the port with {@link
 *       PortMapper} if a GATEWAY is given, then punch with {@link HolePunch} (towards the node of
 *       TARGET_SEED if given).
 *   <li>{@code portmap LAN_IP GATEWAY PROTOCOL SECONDS}: map LAN_IP:4000 with {@link PortMapper}
 *       using PROTOCOL (PCP, NAT_PMP or UPNP), answer one datagram on it, then delete the mapping.
 * </ul>
 */
public final class LabDriver {
  /** The node's UDP port. */
  public static final int PORT = 4000;
  /** Socket index of the throwaway socket of the hairpin test (clear of birthday indexes). */
  private static final int HAIRPIN_SOCKET = 10_000;

  private final Selector selector;
  private final Map<Integer, DatagramChannel> channels = new HashMap<>();
  private final ByteBuffer buffer = ByteBuffer.allocate(2048);
  private final long t0 = System.nanoTime();
  private InetAddress bindIp;

  private LabDriver() throws IOException {
    selector = Selector.open();
  }

  /** Run one mode; see the class comment. */
  public static void main(String[] args) throws Exception {
    LabDriver d = new LabDriver();
    switch (args[0]) {
      case "rendezvous" -> d.rendezvous(ip(args[1]), ip(args[2]), ip(args[3]), Long.parseLong(args[4]));
      case "node" -> d.node(Long.parseLong(args[1]), ip(args[2]), ip(args[3]), ip(args[4]), args[5],
          Long.parseLong(args[6]), args.length > 7 ? ip(args[7]) : null);
      case "portmap" -> d.portmap(ip(args[1]), ip(args[2]), PortMapProtocol.valueOf(args[3]),
          Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.flush();
    System.exit(0);
  }

  private static InetAddress ip(String s) throws IOException {
    return InetAddress.getByName(s); // literals only: no name lookup happens
  }

  /** Return the identity a seed gives (tests compute node ids the same way). */
  public static Identity identity(long seed) {
    return Identity.generate(new SplittableRandom(seed));
  }

  private long now() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  // ---- sockets

  private DatagramChannel open(int index, InetSocketAddress at) throws IOException {
    DatagramChannel c = DatagramChannel.open();
    c.bind(at);
    c.configureBlocking(false);
    c.register(selector, SelectionKey.OP_READ, index);
    channels.put(index, c);
    return c;
  }

  private void send(int socket, InetSocketAddress to, byte[] payload) throws IOException {
    DatagramChannel c = channels.get(socket);
    if (c == null) {
      c = open(socket, new InetSocketAddress(bindIp, 0)); // a birthday socket: fresh ephemeral port
    }
    c.send(ByteBuffer.wrap(payload), to);
  }

  /** A datagram received. */
  private record Datagram(int socket, InetSocketAddress from, byte[] bytes) {}

  /** Wait until {@code deadline} (monotonic ms) at most; return the datagrams that arrived. */
  private List<Datagram> receive(long deadline) throws IOException {
    long wait = Math.max(1, Math.min(deadline - now(), 1000));
    selector.select(wait);
    List<Datagram> out = new java.util.ArrayList<>();
    for (SelectionKey k : selector.selectedKeys()) {
      DatagramChannel c = (DatagramChannel) k.channel();
      for (SocketAddress from = recv(c); from != null; from = recv(c)) {
        buffer.flip();
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        out.add(new Datagram((Integer) k.attachment(), (InetSocketAddress) from, b));
      }
    }
    selector.selectedKeys().clear();
    return out;
  }

  private SocketAddress recv(DatagramChannel c) throws IOException {
    buffer.clear();
    return c.receive(buffer);
  }

  // ---- rendezvous

  private void rendezvous(InetAddress ip, InetAddress helper, InetAddress trusted, long seconds) throws IOException {
    bindIp = ip;
    Rendezvous r = new Rendezvous(1000, new InetSocketAddress(helper, 3478),
        java.util.Set.of(new InetSocketAddress(trusted, 3478)));
    open(0, new InetSocketAddress(ip, 3478));
    open(1, new InetSocketAddress(ip, 3480));
    open(2, new InetSocketAddress(ip, 3479));
    say("READY");
    long end = now() + seconds * 1000;
    while (now() < end) {
      for (Datagram d : receive(end)) {
        r.handleDatagram(d.socket(), d.from(), d.bytes(), now());
        for (var t = r.pollTransmit(); t.isPresent(); t = r.pollTransmit()) {
          send(t.get().socket(), t.get().to(), t.get().payload());
        }
      }
    }
  }

  // ---- node: classify, then punch

  private void node(long seed, InetAddress lan, InetAddress rv1, InetAddress rv2, String targetSeed,
      long seconds, InetAddress gateway) throws IOException {
    bindIp = lan;
    long end = now() + seconds * 1000;
    Identity me = identity(seed);
    say("ID " + me.id());
    InetSocketAddress local = new InetSocketAddress(lan, PORT);
    open(0, local);
    InetSocketAddress r1 = new InetSocketAddress(rv1, 3478);
    SplittableRandom random = new SplittableRandom(seed ^ System.nanoTime());
    NatClassifier classifier = new NatClassifier(local, 800);
    Optional<InetSocketAddress> observed = observe(r1, classifier, random);
    if (observed.isEmpty()) {
      say("FAILED reason=NO_REFLECTOR");
      return;
    }
    // Filtering first, while only R1:3478 has been contacted (R2 and other ports are unopened).
    dialBack(classifier, random, r1, observed.get());
    observe(new InetSocketAddress(rv2, 3478), classifier, random);
    observe(new InetSocketAddress(rv1, 3479), classifier, random);
    NatReport report = classifier.report();
    say("REPORT mapping=" + report.mapping() + " filtering=" + report.filtering()
        + " preserving=" + report.portPreserving() + " hairpin=" + report.hairpinning() + " observed=" + observed.get().getAddress().getHostAddress()
        + ":" + observed.get().getPort());
    List<Candidate> candidates = new java.util.ArrayList<>(List.of(new Candidate(Candidate.Kind.LAN, local),
        new Candidate(Candidate.Kind.OBSERVED, observed.get())));
    PortMapper mapper = gateway == null ? null : mapPort(lan, gateway, end);
    if (mapper != null) {
      candidates.add(new Candidate(Candidate.Kind.MAPPED, mapper.mapped().orElseThrow()));
    }
    HolePunch.Config config = HolePunch.Config.defaults().withRegisterInterval(classifier.keepaliveIntervalMs());
    HolePunch punch = new HolePunch(config, me, r1, random, System::currentTimeMillis);
    punch.setLocal(candidates, NatHint.of(report));
    punch.start(now());
    punchLoop(punch, targetSeed.equals("-") ? null : identity(Long.parseLong(targetSeed)).id(), end);
    if (mapper != null) {
      mapper.stop(now());
      drainMapper(mapper);
    }
  }

  /** Map LAN:4000 on {@code gw} (PCP, NAT-PMP, UPnP in turn); return the mapper holding it, or null. */
  private PortMapper mapPort(InetAddress lan, InetAddress gw, long end) throws IOException {
    PortMapper m = new PortMapper(PortMapper.Config.of(gw, lan, PORT).withLifetime(120),
        new SplittableRandom(System.nanoTime()));
    m.start(now());
    long until = Math.min(end, now() + 10_000);
    while (now() < until) {
      drainMapper(m);
      for (var e = m.pollEvent(); e.isPresent(); e = m.pollEvent()) {
        say(describe(e.get()));
        return e.get() instanceof PortMapEvent.MappingAcquired ? m : null;
      }
      for (Datagram d : receive(Math.min(m.pollTimeout().orElse(until), until))) {
        m.handleDatagram(d.from(), d.bytes(), now());
      }
      m.handleTimeout(now());
    }
    return null;
  }

  private Optional<InetSocketAddress> observe(InetSocketAddress reflector, NatClassifier c, SplittableRandom random)
      throws IOException {
    for (int attempt = 0; attempt < 4; attempt++) {
      long tx = random.nextLong();
      send(0, reflector, PunchCodec.encode(new PunchMessage.Observe(tx)));
      long until = now() + 300;
      while (now() < until) {
        for (Datagram d : receive(until)) {
          Optional<PunchMessage> m = PunchCodec.decode(d.bytes());
          if (m.isPresent() && m.get() instanceof PunchMessage.Observed o && o.txid() == tx
              && d.from().equals(reflector)) {
            c.handleMappingObservation(reflector, o.observed());
            return Optional.of(o.observed());
          }
        }
      }
    }
    return Optional.empty();
  }

  private void dialBack(NatClassifier c, SplittableRandom random, InetSocketAddress r1, InetSocketAddress observed)
      throws IOException {
    for (NatClassifier.TestKind kind : List.of(NatClassifier.TestKind.OTHER_ADDRESS,
        NatClassifier.TestKind.SAME_ADDRESS_OTHER_PORT)) {
      NatClassifier.Test t = c.startTest(kind, random, now()).orElseThrow();
      boolean otherHost = kind == NatClassifier.TestKind.OTHER_ADDRESS;
      send(0, r1, PunchCodec.encode(new PunchMessage.DialBackRequest(t.nonce(), otherHost, observed)));
    }
    // Hairpin: from a throwaway socket to our own public endpoint.
    NatClassifier.Test hairpin = c.startTest(NatClassifier.TestKind.HAIRPIN, random, now()).orElseThrow();
    send(HAIRPIN_SOCKET, observed, PunchCodec.encode(new PunchMessage.DialBack(hairpin.nonce())));
    while (c.pollTimeout().isPresent()) {
      long until = c.pollTimeout().getAsLong();
      for (Datagram d : receive(until)) {
        Optional<PunchMessage> m = PunchCodec.decode(d.bytes());
        if (m.isPresent() && m.get() instanceof PunchMessage.DialBack b && d.socket() == 0) {
          c.handleTestArrived(b.nonce(), now());
        }
      }
      c.handleTimeout(now());
    }
  }

  private void punchLoop(HolePunch punch, NodeId target, long end) throws IOException {
    boolean connected = false;
    long lingerUntil = Long.MAX_VALUE;
    long retryAt = Long.MAX_VALUE;
    int retries = 0;
    while (now() < Math.min(end, lingerUntil)) {
      if (now() >= retryAt) {
        retryAt = Long.MAX_VALUE;
        punch.connect(target, now());
      }
      drain(punch);
      for (var e = punch.pollEvent(); e.isPresent(); e = punch.pollEvent()) {
        if (e.get() instanceof PunchEvent.Registered r) {
          say("REGISTERED observed=" + r.observed().getAddress().getHostAddress() + ":" + r.observed().getPort());
          if (target != null && !connected) {
            connected = true;
            punch.connect(target, now());
          }
        } else if (e.get() instanceof PunchEvent.PathEstablished p) {
          say("PATH kind=" + p.kind() + " endpoint=" + p.endpoint().getAddress().getHostAddress() + ":"
              + p.endpoint().getPort() + " socket=" + p.socket() + " rtt=" + p.rttMs() + " elapsed="
              + p.elapsedMs() + " probes=" + p.probesSent() + " peer=" + p.peer());
          lingerUntil = now() + 1500; // keep answering probes so the peer's side completes too
        } else if (e.get() instanceof PunchEvent.PunchFailed f) {
          if (f.reason() == HolePunch.FailReason.TARGET_UNREACHABLE && retries++ < 20) {
            retryAt = now() + 300; // the target has not registered yet: try again soon
            continue;
          }
          say("FAILED reason=" + f.reason() + " probes=" + f.probesSent());
          lingerUntil = now() + 1500;
        }
      }
      drain(punch);
      long deadline = Math.min(Math.min(punch.pollTimeout().orElse(end), retryAt), Math.min(end, lingerUntil));
      for (Datagram d : receive(deadline)) {
        punch.handleDatagram(d.socket(), d.from(), d.bytes(), now());
        drain(punch);
      }
      punch.handleTimeout(now());
    }
    say("COUNTERS " + punch.counters());
  }

  private void drain(HolePunch punch) throws IOException {
    for (Optional<PunchTransmit> t = punch.pollTransmit(); t.isPresent(); t = punch.pollTransmit()) {
      send(t.get().socket(), t.get().to(), t.get().payload());
    }
  }

  // ---- port mapping

  private void portmap(InetAddress lan, InetAddress gw, PortMapProtocol protocol, long seconds) throws IOException {
    bindIp = lan;
    long end = now() + seconds * 1000;
    open(0, new InetSocketAddress(lan, PORT));
    PortMapper.Config cfg = PortMapper.Config.of(gw, lan, PORT).withLifetime(120).withProtocols(protocol);
    PortMapper m = new PortMapper(cfg, new SplittableRandom(System.nanoTime()));
    m.start(now());
    boolean answered = false;
    boolean stopped = false;
    while (now() < end && !stopped) {
      drainMapper(m);
      for (var e = m.pollEvent(); e.isPresent(); e = m.pollEvent()) {
        say(describe(e.get()));
        if (e.get() instanceof PortMapEvent.MappingUnavailable) {
          return;
        }
      }
      long deadline = Math.min(m.pollTimeout().orElse(end), end);
      for (Datagram d : receive(deadline)) {
        if (d.from().getAddress().equals(gw)) {
          m.handleDatagram(d.from(), d.bytes(), now());
        } else if (new String(d.bytes(), StandardCharsets.US_ASCII).equals("HELLO") && !answered) {
          say("RECEIVED from=" + d.from().getAddress().getHostAddress() + ":" + d.from().getPort());
          send(0, d.from(), "HELLO-BACK".getBytes(StandardCharsets.US_ASCII));
          answered = true;
          m.stop(now());
          stopped = true;
        }
      }
      m.handleTimeout(now());
    }
    drainMapper(m);
    for (var e = m.pollEvent(); e.isPresent(); e = m.pollEvent()) {
      say(describe(e.get()));
    }
    say("REFUSED " + m.refusedCount());
  }

  private void drainMapper(PortMapper m) throws IOException {
    for (var t = m.pollTransmit(); t.isPresent(); t = m.pollTransmit()) {
      send(0, t.get().to(), t.get().payload());
    }
    for (var r = m.pollHttpRequest(); r.isPresent(); r = m.pollHttpRequest()) {
      HttpRequest q = r.get();
      try {
        HttpURLConnection c = (HttpURLConnection) new URL(q.url()).openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        c.setRequestMethod(q.method());
        q.headers().forEach(c::setRequestProperty);
        if (!q.body().isEmpty()) {
          c.setDoOutput(true);
          try (OutputStream o = c.getOutputStream()) {
            o.write(q.body().getBytes(StandardCharsets.UTF_8));
          }
        }
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String body = in == null ? "" : new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        m.handleHttpResponse(q.id(), status, body, now());
      } catch (IOException e) {
        m.handleHttpFailure(q.id(), e.toString(), now());
      }
    }
  }

  private static String describe(PortMapEvent e) {
    if (e instanceof PortMapEvent.MappingAcquired a) {
      return "ACQUIRED protocol=" + a.protocol() + " endpoint=" + a.endpoint().getAddress().getHostAddress()
          + ":" + a.endpoint().getPort() + " lifetime=" + a.lifetimeSeconds();
    }
    if (e instanceof PortMapEvent.MappingLost l) {
      return "LOST protocol=" + l.protocol() + " reason=" + l.reason().replace(' ', '_');
    }
    return "UNAVAILABLE " + ((PortMapEvent.MappingUnavailable) e).reason().replace(' ', '_');
  }

  static InetAddress parseIp(String s) {
    String[] p = s.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) Integer.parseInt(p[i]);
    }
    return Networks.ofBytes(b);
  }
}
