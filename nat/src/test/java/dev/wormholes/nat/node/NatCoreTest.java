package dev.wormholes.nat.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.sim.VirtualNat;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link NatCore}'s decisions with the engines fed directly, in virtual time on {@link NodeNet} (nat/'s {@code VirtualNat} boxes)
 * (no sockets): who is public and serves, who registers with whom, what a dead rendezvous
 * causes, a punch through an introducer, and every kind of bad input refused and counted.
 */
class NatCoreTest {
  private static final NatCore.Settings PUBLIC = NatCore.Settings.defaults(true);
  private static final InetSocketAddress MAPPED = at("198.51.100.200", 7447);

  private static InetSocketAddress at(String ip, int port) {
    return new InetSocketAddress(NodeNet.ip(ip), port);
  }

  /** Tell {@code n} that two other peers saw it at {@code observed}. */
  private static void seenAs(NodeNet net, NodeNet.Node n, InetSocketAddress observed, NodeNet.Node... by) {
    for (NodeNet.Node b : by) {
      n.core().handleObservation(b.contact(), observed, net.now());
    }
  }

  @Test
  void publicOnlyOnceTwoPeersSeeTheBoundEndpointAndThenServes() {
    NodeNet net = new NodeNet(1);
    NodeNet.Node a = net.add("203.0.113.1", PUBLIC);
    NodeNet.Node p1 = net.add("198.51.100.1", PUBLIC);
    NodeNet.Node p2 = net.add("203.0.113.2", PUBLIC);
    assertEquals(NatBehaviour.UNKNOWN, a.core().report().mapping());
    seenAs(net, a, a.address(), p1);
    assertFalse(a.core().isPublic(), "one peer is not enough");
    assertFalse(a.core().serving());
    seenAs(net, a, a.address(), p2);
    assertTrue(a.core().isPublic());
    assertTrue(a.core().serving());
    assertFalse(a.core().needsRendezvous());
    // A liar reporting another address ends the verdict: the node no longer counts as public.
    a.core().handleObservation(new Contact(Identity.generate(new SplittableRandom(9)).id(), at("192.0.2.7", 1)),
        at("192.0.2.99", 5555), net.now());
    assertFalse(a.core().isPublic());
    assertFalse(a.core().serving());
  }

  @Test
  void aPeerOnTheSameLanDoesNotSpoilTheMappingVerdict() {
    NodeNet net = new NodeNet(14);
    NodeNet.Node n = net.add("10.0.0.2", PUBLIC);
    NodeNet.Node lanPeer = net.add("10.0.0.3", PUBLIC);
    NodeNet.Node p1 = net.add("203.0.113.1", PUBLIC);
    NodeNet.Node p2 = net.add("198.51.100.1", PUBLIC);
    seenAs(net, n, MAPPED, p1, p2);
    seenAs(net, n, n.address(), lanPeer); // the LAN peer sees the inside address
    assertEquals(NatBehaviour.ENDPOINT_INDEPENDENT, n.core().report().mapping());
    assertEquals(2, n.core().report().observations());
  }

  @Test
  void aServingNodeIsNotServingWithRelayOff() {
    NodeNet net = new NodeNet(2);
    NodeNet.Node a = net.add("203.0.113.1", NatCore.Settings.defaults(false));
    NodeNet.Node p1 = net.add("198.51.100.1", PUBLIC);
    NodeNet.Node p2 = net.add("203.0.113.2", PUBLIC);
    seenAs(net, a, a.address(), p1, p2);
    assertTrue(a.core().isPublic());
    assertFalse(a.core().serving(), "--no-relay");
  }

  /** A net of three public rendezvous-capable peers and one node behind a NAT. */
  private static NodeNet.Node[] behindNat(NodeNet net) {
    NodeNet.Node n = net.add("10.0.0.2", PUBLIC);
    NodeNet.Node r1 = net.add("203.0.113.1", PUBLIC);
    NodeNet.Node r2 = net.add("198.51.100.1", PUBLIC);
    NodeNet.Node r3 = net.add("192.0.2.1", PUBLIC);
    for (NodeNet.Node r : List.of(r1, r2, r3)) {
      for (NodeNet.Node o : List.of(r1, r2, r3)) {
        if (o != r) {
          r.core().handleObservation(o.contact(), r.address(), net.now());
        }
      }
      assertTrue(r.core().isPublic());
    }
    net.natted(n, "198.51.100.200", VirtualNat.Type.FULL_CONE);
    seenAs(net, n, MAPPED, r1, r2);
    assertEquals(NatBehaviour.ENDPOINT_INDEPENDENT, n.core().report().mapping());
    assertTrue(n.core().needsRendezvous());
    return new NodeNet.Node[] {n, r1, r2, r3};
  }

  @Test
  void aNatedNodeRegistersWithTwoPublicContactsAndListsThem() {
    NodeNet net = new NodeNet(3);
    NodeNet.Node[] x = behindNat(net);
    NodeNet.Node n = x[0];
    n.core().handleContacts(List.of(x[1].contact(), x[2].contact(), x[3].contact()), net.now());
    net.deliver();
    List<Contact> rv = n.core().rendezvous();
    assertEquals(2, rv.size(), rv.toString());
    assertEquals(Set.of(x[1].contact(), x[2].contact()), Set.copyOf(rv));
    assertEquals(Optional.of(MAPPED), x[1].core().registered(n.identity().id()));
    assertEquals(1, x[2].core().registrations());
    assertEquals(0, x[3].core().registrations());
    // Keepalives hold the registration for minutes.
    net.advance(5 * 60_000);
    assertEquals(2, n.core().rendezvous().size());
  }

  @Test
  void aRendezvousThatStopsAnsweringIsReplacedByAnotherContact() {
    NodeNet net = new NodeNet(4);
    NodeNet.Node[] x = behindNat(net);
    NodeNet.Node n = x[0];
    n.core().handleContacts(List.of(x[1].contact(), x[2].contact(), x[3].contact()), net.now());
    net.deliver();
    net.drop = d -> d.to().equals(x[1].address()); // r1 goes silent
    net.advance(120_000);
    Set<Contact> rv = Set.copyOf(n.core().rendezvous());
    assertEquals(Set.of(x[2].contact(), x[3].contact()), rv);
  }

  @Test
  void aContactThatIsNotServingYetIsAskedAgainLater() {
    NodeNet net = new NodeNet(5);
    NodeNet.Node n = net.add("10.0.0.2", PUBLIC);
    NodeNet.Node r1 = net.add("203.0.113.1", PUBLIC);
    NodeNet.Node r2 = net.add("198.51.100.1", PUBLIC);
    net.natted(n, "198.51.100.200", VirtualNat.Type.FULL_CONE);
    seenAs(net, n, MAPPED, r1, r2);
    n.core().handleContacts(List.of(r1.contact()), net.now());
    net.deliver();
    assertTrue(n.core().rendezvous().isEmpty());
    assertEquals(1, r1.core().counters().get("not_serving"));
    seenAs(net, r1, r1.address(), r2, net.add("192.0.2.9", PUBLIC)); // r1 learns it is public, serves
    net.advance(30_000);
    assertEquals(List.of(r1.contact()), n.core().rendezvous());
  }

  @Test
  void aPunchThroughTheTargetsIntroducerEndsWithAnAuthenticatedPath() {
    NodeNet net = new NodeNet(6);
    NodeNet.Node[] x = behindNat(net);
    NodeNet.Node target = x[0];
    target.core().handleContacts(List.of(x[1].contact()), net.now());
    net.deliver();
    assertEquals(List.of(x[1].contact()), target.core().rendezvous());
    NodeNet.Node initiator = net.add("192.0.2.50", PUBLIC);
    long id = initiator.core().punch(target.identity().id(), List.of(x[2].contact(), x[1].contact()), net.now());
    net.advance(3_000);
    NatCore.Outcome o = initiator.core().pollOutcome().orElseThrow();
    assertEquals(id, o.request());
    assertNull(o.failure());
    assertEquals(MAPPED, o.path().endpoint());
    assertTrue(o.path().probesSent() > 0);
    // The first introducer does not know the target; the second does.
    assertEquals(1, x[2].core().counters().get("unknown_target"));
  }

  @Test
  void aPunchWhoseIntroducersAreAllSilentFailsNamingIt() {
    NodeNet net = new NodeNet(7);
    NodeNet.Node a = net.add("203.0.113.1", PUBLIC);
    Contact ghost = new Contact(Identity.generate(new SplittableRandom(70)).id(), at("192.0.2.99", 7447));
    a.core().punch(Identity.generate(new SplittableRandom(71)).id(), List.of(ghost), net.now());
    net.advance(10_000);
    NatCore.Outcome o = a.core().pollOutcome().orElseThrow();
    assertNull(o.path());
    assertTrue(o.failure().contains("no introducer"), o.failure());
  }

  @Test
  void filteringIsClassifiedThroughTheRendezvousWithAFreshSideMapping() {
    for (VirtualNat.Type f : List.of(VirtualNat.Type.FULL_CONE, VirtualNat.Type.ADDRESS_RESTRICTED,
        VirtualNat.Type.PORT_RESTRICTED)) {
      NodeNet net = new NodeNet(20 + f.ordinal());
      NodeNet.Node n = net.add("10.0.0.2", PUBLIC);
      NodeNet.Node r1 = net.add("203.0.113.1", PUBLIC);
      net.add("198.51.100.1", PUBLIC);
      net.add("192.0.2.1", PUBLIC);
      net.natted(n, "198.51.100.200", f);
      net.meshContacts(); // everybody observes everybody: the three are public, n is behind a NAT
      n.core().handleContacts(List.of(r1.contact()), net.now());
      net.advance(5_000);
      assertTrue(n.core().rendezvous().contains(r1.contact()), f.toString());
      assertEquals(NatBehaviour.ENDPOINT_INDEPENDENT, n.core().report().mapping(), f.toString());
      assertEquals(f.filtering, n.core().report().filtering(), f.toString());
      assertEquals(NatBehaviour.NONE, r1.core().report().filtering(), "no NAT, no NAT filtering");
    }
  }

  @Test
  void portRestrictedToSymmetricPunchesWithBirthdaySocketsOnTheHardSide() {
    NodeNet net = new NodeNet(40);
    System.out.println("birthday seed 40");
    NodeNet.Node easy = net.add("10.1.0.2", PUBLIC);
    NodeNet.Node hard = net.add("10.2.0.2", PUBLIC);
    NodeNet.Node r = net.add("203.0.113.1", PUBLIC);
    net.add("198.51.100.1", PUBLIC);
    net.add("192.0.2.1", PUBLIC);
    net.natted(easy, "198.51.100.20", VirtualNat.Type.PORT_RESTRICTED);
    net.natted(hard, "198.51.100.30", VirtualNat.Type.SYMMETRIC);
    net.meshContacts();
    net.advance(10_000);
    assertEquals(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, hard.core().report().mapping());
    assertEquals(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, hard.core().report().filtering());
    assertEquals(NatBehaviour.ENDPOINT_INDEPENDENT, easy.core().report().mapping());
    assertEquals(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, easy.core().report().filtering());
    assertTrue(hard.core().rendezvous().contains(r.contact()), hard.core().rendezvous().toString());

    easy.core().punch(hard.identity().id(), List.of(r.contact()), net.now());
    net.advance(8_000);
    NatCore.Outcome o = easy.core().pollOutcome().orElseThrow();
    assertNull(o.failure(), o.failure());
    assertEquals(dev.wormholes.nat.punch.HolePunch.PathKind.BIRTHDAY, o.path().kind());
    assertEquals(at("198.51.100.30", 1).getAddress(), o.path().endpoint().getAddress());
    // The hard side's path runs through one of its birthday sockets: the agent routes QUIC there.
    NatCore.SidePath side = hard.core().pollSidePath().orElseThrow();
    assertTrue(side.socket() > NatCore.BIRTHDAY_BASE, side.toString());
    assertEquals(at("198.51.100.20", 7447), side.peer());
    System.out.println("birthday: " + o.path());
  }

  @Test
  void dialBackOrdersFromStrangersAreRefusedAndCounted() {
    NodeNet net = new NodeNet(30);
    NodeNet.Node a = net.add("203.0.113.1", PUBLIC);
    a.core().handleDatagram(at("192.0.2.66", 1), PunchCodec.encode(new PunchMessage.DialBackOrder(1, at("192.0.2.1", 53))), net.now());
    assertEquals(1, a.core().counters().get("untrusted_order"));
    assertTrue(a.core().pollTransmit().isEmpty());
  }

  @Test
  void badInputIsRefusedAndCounted() {
    NodeNet net = new NodeNet(8);
    NodeNet.Node[] x = behindNat(net);
    NodeNet.Node n = x[0];
    NodeNet.Node r = x[1];
    n.core().handleContacts(List.of(r.contact()), net.now());
    net.deliver();
    InetSocketAddress evil = at("192.0.2.66", 6666);
    Identity mallory = Identity.generate(new SplittableRandom(66));

    // A spoofed punch request: a Connect whose signature is not its key's, from the address its
    // key registered from (a rendezvous forwards Connects only from there).
    r.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.Register(mallory.publicKey(), 1,
        mallory.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(mallory.publicKey(), 1)))), net.now());
    while (r.core().pollTransmit().isPresent()) {
      // the Registered answer
    }
    PunchMessage.Connect good = PunchCodec.connect(mallory, 42, n.identity().id(), NatHint.UNKNOWN, List.of());
    byte[] sig = good.signature().clone();
    sig[0] ^= 1;
    r.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.Connect(42, good.initiatorKey(),
        good.targetId(), good.hint(), good.candidates(), sig, null)), net.now());
    assertEquals(1, r.core().counters().get("bad_signature"));

    // A dial-back for a third party's address.
    r.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.DialBackRequest(1, false, at("192.0.2.1", 53))), net.now());
    assertEquals(1, r.core().counters().get("dial_back_refused"));
    assertTrue(r.core().pollTransmit().isEmpty(), "nothing is sent for a refused request");

    // Signalling from someone who is not our rendezvous; probes for no session; unasked answers.
    n.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.Registered(evil)), net.now());
    assertEquals(1, n.core().counters().get("not_from_rendezvous"));
    n.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.Probe(99, 1, new byte[64])), net.now());
    assertEquals(1, n.core().counters().get("unknown_session"));
    n.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.Observed(5, evil)), net.now());
    assertEquals(1, n.core().counters().get("unsolicited"));
    n.core().handleDatagram(evil, PunchCodec.encode(new PunchMessage.Register(mallory.publicKey(), 1, new byte[64])), net.now());
    assertEquals(1, n.core().counters().get("not_serving"));
    assertTrue(n.core().pollTransmit().isEmpty());
  }

  @Test
  void aProbeFromTheWrongKeyIsRefusedAndCounted() {
    NodeNet net = new NodeNet(9);
    NodeNet.Node[] x = behindNat(net);
    NodeNet.Node target = x[0];
    target.core().handleContacts(List.of(x[1].contact()), net.now());
    net.deliver();
    NodeNet.Node initiator = net.add("192.0.2.50", PUBLIC);
    // Lose the initiator's probes, keep a copy, and forge one with another key.
    net.drop = d -> d.from().equals(initiator.address()) && PunchCodec.decode(d.bytes())
        .filter(PunchMessage.Probe.class::isInstance).isPresent();
    initiator.core().punch(target.identity().id(), List.of(x[1].contact()), net.now());
    net.advance(200);
    PunchMessage.Probe seen = net.seen.stream()
        .map(d -> PunchCodec.decode(d.bytes()).orElse(null))
        .filter(PunchMessage.Probe.class::isInstance).map(PunchMessage.Probe.class::cast)
        .findFirst().orElseThrow();
    Identity mallory = Identity.generate(new SplittableRandom(99));
    byte[] forged = PunchCodec.encode(new PunchMessage.Probe(seen.session(), seen.nonce(),
        mallory.sign(PunchCodec.PROBE_DOMAIN, PunchCodec.nonceSigned(seen.session(), seen.nonce()))));
    long before = target.core().counters().get("bad_signature");
    target.core().handleDatagram(initiator.address(), forged, net.now());
    assertEquals(before + 1, target.core().counters().get("bad_signature"));
  }

  @Test
  void observeIsAnsweredWithTheSourceAndNeverMoreBytes() {
    NodeNet net = new NodeNet(10);
    NodeNet.Node a = net.add("203.0.113.1", PUBLIC);
    InetSocketAddress asker = at("192.0.2.5", 5000);
    byte[] req = PunchCodec.encode(new PunchMessage.Observe(77));
    a.core().handleDatagram(asker, req, net.now());
    var t = a.core().pollTransmit().orElseThrow();
    assertEquals(asker, t.to());
    assertTrue(t.payload().length <= req.length, t.payload().length + " > " + req.length);
    PunchMessage.Observed o = (PunchMessage.Observed) PunchCodec.decode(t.payload()).orElseThrow();
    assertEquals(77, o.txid());
    assertEquals(asker, o.observed());
  }

  @Test
  void observeAnswersAreRateLimited() {
    NodeNet net = new NodeNet(13);
    NodeNet.Node a = net.add("203.0.113.1", PUBLIC);
    byte[] req = PunchCodec.encode(new PunchMessage.Observe(1));
    int answered = 0;
    for (int i = 0; i < 1_000; i++) {
      a.core().handleDatagram(at("192.0.2.5", 5000 + i), req, net.now()); // one instant: a burst
      while (a.core().pollTransmit().isPresent()) {
        answered++;
      }
    }
    assertEquals(2 * Observations.OBSERVES_PER_SECOND, answered);
    assertEquals(1_000 - answered, a.core().counters().get("observe_rate_limited"));
  }

  @Test
  void observeRoundsToContactsClassifyANodeWithoutDhtEvents() {
    NodeNet net = new NodeNet(11);
    NodeNet.Node a = net.add("203.0.113.1", PUBLIC);
    net.add("198.51.100.1", PUBLIC);
    net.add("192.0.2.1", PUBLIC);
    net.meshContacts();
    net.advance(100);
    for (NodeNet.Node n : net.nodes.values()) {
      assertTrue(n.core().isPublic(), n.address() + " " + n.core().report());
    }
    assertNotNull(a.core().publicEndpoints(net.now()).get(0));
    assertEquals(a.address(), a.core().publicEndpoints(net.now()).get(0).endpoint());
  }

  @Test
  void randomAndMutatedDatagramsNeverThrowAndAreCounted() {
    NodeNet net = new NodeNet(12);
    NodeNet.Node[] x = behindNat(net);
    x[0].core().handleContacts(List.of(x[1].contact()), net.now());
    net.deliver();
    SplittableRandom random = new SplittableRandom(1234);
    System.out.println("NatCoreTest fuzz seed 1234");
    List<byte[]> valid = net.seen.stream().map(NodeNet.Datagram::bytes).collect(Collectors.toList());
    InetSocketAddress from = at("192.0.2.77", 7777);
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[random.nextInt(0, 1300)];
        random.nextBytes(b);
        if (b.length > 0) {
          b[0] = 0x0E;
        }
      } else {
        b = valid.get(random.nextInt(valid.size())).clone();
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      for (int k = 0; k < 2; k++) {
        x[k].core().handleDatagram(from, b, net.now());
        while (x[k].core().pollTransmit().isPresent()) {
          // drained: answers to garbage are allowed (Observe), never required
        }
      }
    }
    assertTrue(x[0].core().counters().get("malformed") > 5_000);
    assertTrue(x[1].core().counters().get("malformed") > 5_000);
  }

  @Test
  void aSymmetricNodeIsHardToPunchUntilAPortMappingOpensIt() {
    NodeNet net = new NodeNet(15);
    NodeNet.Node n = net.add("10.0.0.2", PUBLIC);
    NodeNet.Node p1 = net.add("203.0.113.1", PUBLIC);
    NodeNet.Node p2 = net.add("198.51.100.1", PUBLIC);
    n.core().handleObservation(p1.contact(), at("198.51.100.200", 40_001), net.now());
    n.core().handleObservation(p2.contact(), at("198.51.100.200", 40_002), net.now());
    assertTrue(n.core().report().isHard(), n.core().report().toString());
    assertTrue(n.core().selfHard());
    n.core().handleMapping(at("198.51.100.200", 7447), dev.wormholes.nat.portmap.PortMapProtocol.PCP, 7_200, net.now());
    assertFalse(n.core().selfHard(), "the mapped endpoint lets a symmetric peer in");
  }
}
