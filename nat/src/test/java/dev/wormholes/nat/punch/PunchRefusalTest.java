package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.sim.SimPeer;
import dev.wormholes.nat.sim.VirtualNet;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input is refused and counted: spoofed punch requests, probes and acks from the wrong key,
 * signalling that does not come from the rendezvous, replayed registrations, dial-backs for
 * third-party addresses, dial-back orders from strangers.
 */
class PunchRefusalTest {
  static final NatHint PUBLIC = new NatHint(NatBehaviour.NONE, NatBehaviour.ENDPOINT_INDEPENDENT);
  VirtualNet net;
  SimPeer.SimRendezvous rv;
  SimPeer alice;
  SimPeer bob;
  final InetSocketAddress mallory = new InetSocketAddress(VirtualNet.ip(192, 0, 2, 66), 4000);
  final Identity malloryKey = Identity.generate(new SplittableRandom(666));
  final List<byte[]> malloryInbox = new java.util.ArrayList<>();

  @BeforeEach
  void setUp() {
    net = new VirtualNet(new SplittableRandom(5), 10, 0);
    rv = new SimPeer.SimRendezvous(net, VirtualNet.ip(203, 0, 113, 10));
    alice = new SimPeer(net, VirtualNet.ip(198, 51, 100, 1), PUBLIC, rv.address(), 1, HolePunch.Config.defaults());
    bob = new SimPeer(net, VirtualNet.ip(198, 51, 100, 2), PUBLIC, rv.address(), 2, HolePunch.Config.defaults());
    net.bind(mallory, (l, from, b, now) -> malloryInbox.add(b));
    alice.start();
    bob.start();
    net.runUntil(100);
  }

  private static PunchMessage.Register register(Identity id, long seq) {
    return new PunchMessage.Register(id.publicKey(), seq,
        id.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(id.publicKey(), seq)));
  }

  private void fromMallory(InetSocketAddress to, PunchMessage m) {
    net.send(mallory, to, PunchCodec.encode(m));
    net.runUntil(net.now() + 50);
  }

  @Test
  void aPunchRequestSignedByAnotherKeyStopsAtTheRendezvous() {
    PunchMessage.Connect real = PunchCodec.connect(malloryKey, 1, bob.identity().id(), PUBLIC, List.of());
    // Claim Alice's key with Mallory's signature.
    fromMallory(rv.address(), new PunchMessage.Connect(1, alice.identity().publicKey(), real.targetId(),
        PUBLIC, List.of(), real.signature(), null));
    assertEquals(1, rv.engine().counters().unregisteredSender(), "Alice registered from elsewhere");
    // From Mallory's own registration, the claimed key still fails its signature check.
    net.send(mallory, rv.address(), PunchCodec.encode(register(malloryKey, 1)));
    net.runUntil(net.now() + 50);
    fromMallory(rv.address(), new PunchMessage.Connect(2, malloryKey.publicKey(), real.targetId(),
        PUBLIC, List.of(), real.signature(), null));
    assertEquals(1, rv.engine().counters().badSignature());
    assertEquals(0, bob.engine().sessionCount());
  }

  @Test
  void signallingFromAnyoneButTheRendezvousIsRefused() {
    PunchMessage.Connect c = PunchCodec.connect(malloryKey, 2, bob.identity().id(), PUBLIC, List.of());
    fromMallory(bob.address(), new PunchMessage.Connect(2, c.initiatorKey(), c.targetId(), PUBLIC,
        List.of(), c.signature(), mallory));
    assertEquals(1, bob.engine().counters().notFromRendezvous());
    assertEquals(0, bob.engine().sessionCount());
  }

  @Test
  void probesAndAcksFromTheWrongKeyNeverMakeAPath() {
    long session = alice.connect(bob.identity().id());
    net.runUntil(net.now() + 25); // Connect reached Bob through the rendezvous; probing has not begun
    byte[] sig = malloryKey.sign(PunchCodec.PROBE_DOMAIN, PunchCodec.nonceSigned(session, 1));
    net.send(mallory, bob.address(), PunchCodec.encode(new PunchMessage.Probe(session, 1, sig)));
    net.runUntil(net.now() + 20); // Bob's Accept reached Alice: she knows Bob's key now
    byte[] ack = malloryKey.sign(PunchCodec.ACK_DOMAIN, PunchCodec.nonceSigned(session, 1));
    net.send(mallory, alice.address(), PunchCodec.encode(new PunchMessage.ProbeAck(session, 1, ack)));
    net.runUntil(net.now() + 2000);
    assertTrue(bob.engine().counters().badSignature() >= 1, bob.engine().counters().toString());
    assertTrue(alice.engine().counters().badSignature() >= 1, alice.engine().counters().toString());
    assertTrue(malloryInbox.isEmpty(), "nothing is ever answered to a forged probe");
    PunchEvent.PathEstablished p = (PunchEvent.PathEstablished) alice.outcome();
    assertEquals(bob.address(), p.endpoint(), "the real path still forms");
    assertEquals(bob.identity().id(), p.peer());
  }

  @Test
  void aReplayedRegistrationCannotRedirectANode() {
    Identity carol = Identity.generate(new SplittableRandom(3));
    byte[] sig = carol.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(carol.publicKey(), 10));
    PunchMessage.Register reg = new PunchMessage.Register(carol.publicKey(), 10, sig);
    InetSocketAddress carolAt = new InetSocketAddress(VirtualNet.ip(198, 51, 100, 3), 4000);
    net.bind(carolAt, (l, f, b, n) -> { });
    net.send(carolAt, rv.address(), PunchCodec.encode(reg));
    net.runUntil(net.now() + 50);
    fromMallory(rv.address(), reg); // the same signed bytes, from elsewhere
    assertEquals(1, rv.engine().counters().replayedRegister());
    assertEquals(carolAt, rv.engine().registered(carol.id()).orElseThrow());
  }

  @Test
  void dialBacksForThirdPartiesAndOrdersFromStrangersAreRefused() {
    InetSocketAddress victim = new InetSocketAddress(VirtualNet.ip(198, 51, 100, 200), 53);
    fromMallory(rv.address(), new PunchMessage.DialBackRequest(1, false, victim));
    fromMallory(rv.address(), new PunchMessage.DialBackOrder(2, victim));
    assertEquals(1, rv.engine().counters().dialBackRefused());
    assertEquals(1, rv.engine().counters().untrustedOrders());
    fromMallory(rv.address(), new PunchMessage.DialBackRequest(3, false, mallory));
    assertEquals(1, malloryInbox.size(), "a dial-back to the requester itself is served");
    assertInstanceOf(PunchMessage.DialBack.class, PunchCodec.decode(malloryInbox.get(0)).orElseThrow());
  }

  @Test
  void anUnknownTargetFailsFast() {
    alice.connect(malloryKey.id());
    net.runUntil(net.now() + 100);
    PunchEvent.PunchFailed f = (PunchEvent.PunchFailed) alice.outcome();
    assertEquals(HolePunch.FailReason.TARGET_UNREACHABLE, f.reason());
  }

  @Test
  void aPeersCandidateListCannotAimAFloodAnywhere() {
    // Mallory registers and asks Bob to punch, listing a victim and junk as her candidates.
    InetSocketAddress victim = new InetSocketAddress(VirtualNet.ip(198, 51, 100, 200), 53);
    List<byte[]> victimInbox = new java.util.ArrayList<>();
    net.bind(victim, (l, f, b, n) -> victimInbox.add(b));
    byte[] rs = malloryKey.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(malloryKey.publicKey(), 1));
    fromMallory(rv.address(), new PunchMessage.Register(malloryKey.publicKey(), 1, rs));
    List<Candidate> cs = List.of(new Candidate(Candidate.Kind.LAN, victim),
        new Candidate(Candidate.Kind.LAN, new InetSocketAddress(VirtualNet.ip(255, 255, 255, 255), 9)),
        new Candidate(Candidate.Kind.LAN, new InetSocketAddress(VirtualNet.ip(224, 0, 0, 1), 9)),
        new Candidate(Candidate.Kind.LAN, new InetSocketAddress(VirtualNet.ip(127, 0, 0, 1), 9)));
    NatHint hard = new NatHint(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);
    fromMallory(rv.address(), PunchCodec.connect(malloryKey, 9, bob.identity().id(), hard, cs));
    net.runUntil(net.now() + 20_000);
    assertTrue(victimInbox.size() <= 60, "probes to a named address are capped: " + victimInbox.size());
    assertEquals(List.of(), bob.events().stream().filter(e -> e instanceof PunchEvent.PathEstablished).toList());
  }
}
