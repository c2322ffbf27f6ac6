package dev.wormholes.nat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.punch.Candidate;
import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.nat.punch.Rendezvous;
import dev.wormholes.nat.relay.RelayClient;
import dev.wormholes.nat.relay.RelayCodec;
import dev.wormholes.nat.relay.RelayLimits;
import dev.wormholes.nat.relay.RelayMessage;
import dev.wormholes.nat.relay.RelayReason;
import dev.wormholes.nat.relay.RelayServer;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The amplification table of nat/README.md: for every punch, rendezvous and relay datagram kind,
 * one datagram from an address nobody has proven (spoofable), and the bytes the engine then sends
 * to any address that is not a registered node or an established peer, divided by the bytes in.
 * Every ratio must be at most 1. Virtual clock; the table is printed. Probes replayed into a live
 * session and whole forged exchanges are measured end to end by {@code
 * punch.PunchAmplificationTest}.
 */
class AmplificationTableTest {
  static final InetSocketAddress U = ep(192, 0, 2, 10, 4000); // the unproven (spoofed) source
  static final InetSocketAddress RV = ep(198, 51, 100, 1, 3478);
  static final InetSocketAddress NODE = ep(198, 51, 100, 2, 4000);
  static final Identity NODE_ID = Identity.generate(new SplittableRandom(2));
  static final Identity STRANGER = Identity.generate(new SplittableRandom(3));
  static final NatHint HINT = new NatHint(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);

  static InetSocketAddress ep(int a, int b, int c, int d, int port) {
    return new InetSocketAddress(Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), port);
  }

  record Row(String engine, String kind, int in, long out) {
    double ratio() {
      return (double) out / in;
    }
  }

  final List<Row> rows = new ArrayList<>();

  static long unproven(List<InetSocketAddress> to, List<Integer> sizes, Set<InetSocketAddress> proven) {
    long n = 0;
    for (int i = 0; i < to.size(); i++) {
      n += proven.contains(to.get(i)) ? 0 : sizes.get(i);
    }
    return n;
  }

  /** A rendezvous with NODE registered; feed {@code m} from U (socket 0). */
  void rendezvous(String kind, PunchMessage m) {
    Rendezvous rv = new Rendezvous(100, ep(198, 51, 100, 9, 3478), Set.of());
    rv.handleDatagram(0, NODE, PunchCodec.encode(register(NODE_ID, 1)), 0);
    while (rv.pollTransmit().isPresent()) {
      // NODE's Registered
    }
    byte[] in = PunchCodec.encode(m);
    rv.handleDatagram(0, U, in, 10);
    List<InetSocketAddress> to = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (Optional<PunchTransmit> t = rv.pollTransmit(); t.isPresent(); t = rv.pollTransmit()) {
      to.add(t.get().to());
      sizes.add(t.get().payload().length);
    }
    rows.add(new Row("Rendezvous", kind, in.length, unproven(to, sizes, Set.of(NODE))));
  }

  /**
   * A registered punch engine at NODE with one responder session whose initiator the rendezvous
   * saw at U (not yet proven by a Sync); feed {@code m} from U, run the session out.
   */
  void holePunch(String kind, Supplier<byte[]> datagram, boolean viaRendezvous) {
    HolePunch hp = new HolePunch(HolePunch.Config.defaults(), NODE_ID, RV, new SplittableRandom(5), () -> 1_000_000L);
    hp.setLocal(List.of(new Candidate(Candidate.Kind.OBSERVED, NODE)), HINT);
    hp.start(0);
    hp.handleDatagram(0, RV, PunchCodec.encode(new PunchMessage.Registered(NODE)), 1);
    byte[] in = datagram.get();
    hp.handleDatagram(0, viaRendezvous ? RV : U, in, 10);
    List<InetSocketAddress> to = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (long now = 10; now < 8_000; now += 5) {
      hp.handleTimeout(now);
      for (Optional<PunchTransmit> t = hp.pollTransmit(); t.isPresent(); t = hp.pollTransmit()) {
        to.add(t.get().to());
        sizes.add(t.get().payload().length);
      }
    }
    rows.add(new Row("HolePunch", kind, in.length, unproven(to, sizes, Set.of(RV))));
  }

  static PunchMessage.Register register(Identity id, long seq) {
    return new PunchMessage.Register(id.publicKey(), seq,
        id.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(id.publicKey(), seq)));
  }

  static PunchMessage.Connect forwardedConnect() {
    PunchMessage.Connect c = PunchCodec.connect(STRANGER, 9, NODE_ID.id(), HINT,
        List.of(new Candidate(Candidate.Kind.OBSERVED, U)));
    return new PunchMessage.Connect(c.session(), c.initiatorKey(), c.targetId(), c.hint(), c.candidates(),
        c.signature(), U);
  }

  void relayServer(String kind, RelayMessage m) {
    NodeId target = NODE_ID.id();
    RelayServer r = new RelayServer(RelayLimits.defaults(), id -> id.equals(target) ? Optional.of(NODE) : Optional.empty(),
        new SplittableRandom(7));
    byte[] in = RelayCodec.encode(m);
    r.handleDatagram(U, in, 10);
    r.handleTimeout(60_000);
    List<InetSocketAddress> to = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (Optional<Transmit> t = r.pollTransmit(); t.isPresent(); t = r.pollTransmit()) {
      to.add(t.get().to());
      sizes.add(t.get().payload().length);
    }
    rows.add(new Row("RelayServer", kind, in.length, unproven(to, sizes, Set.of(NODE))));
  }

  void relayClient(String kind, RelayMessage m) {
    RelayClient c = new RelayClient(RelayClient.Settings.defaults(), Set.of(U)::contains, new SplittableRandom(8));
    byte[] in = RelayCodec.encode(m);
    c.handleDatagram(U, in, 10); // U is a trusted relay's address, spoofed by anyone
    c.handleTimeout(200_000);
    List<InetSocketAddress> to = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (Optional<Transmit> t = c.pollTransmit(); t.isPresent(); t = c.pollTransmit()) {
      to.add(t.get().to());
      sizes.add(t.get().payload().length);
    }
    rows.add(new Row("RelayClient", kind, in.length, unproven(to, sizes, Set.of())));
  }

  @Test
  void everyDatagramKindSendsAtMostWhatItReceived() {
    PunchMessage.Connect own = PunchCodec.connect(STRANGER, 1, NODE_ID.id(), HINT, List.of());
    rendezvous("Register", register(STRANGER, 1));
    rendezvous("Connect (sender not registered)", own);
    rendezvous("Connect to an unknown target", PunchCodec.connect(STRANGER, 1, STRANGER.id(), HINT, List.of()));
    rendezvous("Accept", PunchCodec.accept(STRANGER, 1, NODE_ID.id(), HINT, List.of(), 1));
    rendezvous("Sync", new PunchMessage.Sync(1, NODE_ID.id().toBytes(), 1));
    rendezvous("Observe", new PunchMessage.Observe(1));
    rendezvous("DialBackRequest (own address)", new PunchMessage.DialBackRequest(1, false, U));
    rendezvous("DialBackRequest (other host)", new PunchMessage.DialBackRequest(1, true, U));
    rendezvous("DialBackRequest (third party)", new PunchMessage.DialBackRequest(1, false, NODE));
    rendezvous("DialBackOrder (untrusted)", new PunchMessage.DialBackOrder(1, NODE));
    rendezvous("Probe, ProbeAck, Registered, Observed, DialBack", new PunchMessage.Probe(1, 1, new byte[64]));
    holePunch("Connect forwarded, initiator seen at U (Accept + blind probes)",
        () -> PunchCodec.encode(forwardedConnect()), true);
    holePunch("Probe (valid signature, no session of ours)", () -> PunchCodec.encode(new PunchMessage.Probe(9, 3,
        STRANGER.sign(PunchCodec.PROBE_DOMAIN, PunchCodec.nonceSigned(9, 3)))), false);
    holePunch("ProbeAck (no session of ours)", () -> PunchCodec.encode(new PunchMessage.ProbeAck(9, 3, new byte[64])), false);
    holePunch("signalling not from the rendezvous", () -> PunchCodec.encode(forwardedConnect()), false);
    relayServer("Open (registered target)", new RelayMessage.Open(1, NODE_ID.id()));
    relayServer("Open (unknown target)", new RelayMessage.Open(1, STRANGER.id()));
    relayServer("Accept, Close, Keepalive (no circuit)", new RelayMessage.Accept(5));
    relayServer("Data (no circuit)", RelayCodec.data(5, new byte[] {0x41, 1, 2}, 0, 3));
    relayServer("Incoming, Opened, Refused (never to a relay)", new RelayMessage.Incoming(5));
    relayClient("Incoming (trusted relay's address)", new RelayMessage.Incoming(5));
    relayClient("Opened, Refused (no open)", new RelayMessage.Refused(5, RelayReason.OVER_QUOTA));
    relayClient("Data, Close (no circuit)", RelayCodec.data(5, new byte[] {0x41, 1, 2}, 0, 3));
    System.out.println("| engine | datagram from an unproven address | bytes in | bytes out to unproven addresses | ratio |");
    System.out.println("|---|---|---|---|---|");
    for (Row r : rows) {
      System.out.printf("| %s | %s | %d | %d | %.2f |%n", r.engine(), r.kind(), r.in(), r.out(), r.ratio());
    }
    for (Row r : rows) {
      assertTrue(r.ratio() <= 1.0, r.toString());
    }
  }
}
