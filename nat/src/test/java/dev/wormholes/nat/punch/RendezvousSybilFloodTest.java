package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.sim.SimPeer;
import dev.wormholes.nat.sim.VirtualNet;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sybils that focus a signed Connect flood on one target through its rendezvous (issue 12): hosts
 * each on its own /24 register many ids, send Connects to the target without pause and answer every
 * Accept with its Sync, so that every responder session of the target is theirs. An honest
 * initiator on another network still gets its Connect answered and its path punched, and the
 * rendezvous forwards a network's Connects to one target only within that network's budget.
 */
class RendezvousSybilFloodTest {
  static final NatHint PUBLIC = new NatHint(NatBehaviour.NONE, NatBehaviour.ENDPOINT_INDEPENDENT);
  static final int HOSTS = 4;
  static final int IDS_PER_HOST = 4;

  /** One attacker id: its own socket on its host, registered with the rendezvous. */
  private record Sybil(Identity key, InetSocketAddress address) {}

  @Test
  void anHonestInitiatorPunchesToATargetWhoseSessionsSybilsFlood() {
    VirtualNet net = new VirtualNet(new SplittableRandom(7), 10, 0);
    SimPeer.SimRendezvous rv = new SimPeer.SimRendezvous(net, VirtualNet.ip(203, 0, 113, 10));
    SimPeer alice = new SimPeer(net, VirtualNet.ip(198, 51, 100, 1), PUBLIC, rv.address(), 1, HolePunch.Config.defaults());
    SimPeer bob = new SimPeer(net, VirtualNet.ip(198, 51, 100, 2), PUBLIC, rv.address(), 2, HolePunch.Config.defaults());
    alice.start();
    bob.start();
    SplittableRandom keys = new SplittableRandom(99);
    List<Sybil> sybils = new ArrayList<>();
    long[] accepts = new long[1];
    for (int h = 0; h < HOSTS; h++) {
      for (int i = 0; i < IDS_PER_HOST; i++) {
        Sybil s = new Sybil(Identity.generate(keys), new InetSocketAddress(VirtualNet.ip(192, 0, 10 + h, 66), 5000 + i));
        sybils.add(s);
        // Hostile but well-formed: every Accept is answered with its Sync (the session is proven),
        // probes are never acknowledged.
        net.bind(s.address(), (local, from, bytes, now) -> PunchCodec.decode(bytes).ifPresent(m -> {
          if (m instanceof PunchMessage.Accept a) {
            accepts[0]++;
            net.send(local, rv.address(), PunchCodec.encode(new PunchMessage.Sync(a.session(),
                bob.identity().id().toBytes(), a.cookie())));
          }
        }));
        net.send(s.address(), rv.address(), PunchCodec.encode(new PunchMessage.Register(s.key().publicKey(), 1,
            s.key().sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(s.key().publicKey(), 1)))));
      }
    }
    net.runUntil(100);
    // From 100 ms on, every id sends a fresh Connect to Bob every 500 ms.
    long[] session = {1_000};
    for (long t = 100; t < 4_000; t += 500) {
      net.at(t, () -> {
        for (Sybil s : sybils) {
          net.send(s.address(), rv.address(), PunchCodec.encode(
              PunchCodec.connect(s.key(), session[0]++, bob.identity().id(), PUBLIC, List.of())));
        }
      });
    }
    net.runUntil(1_000);
    assertEquals(HolePunch.Config.defaults().maxSessions(), bob.engine().sessionCount(), "the Sybils hold every session");
    alice.connect(bob);
    net.runUntil(4_000);

    PunchEvent.PathEstablished p = assertInstanceOf(PunchEvent.PathEstablished.class, alice.outcome(),
        "the honest initiator's punch: " + alice.outcome() + ", Bob " + bob.engine().counters());
    assertEquals(bob.address(), p.endpoint());
    assertTrue(accepts[0] > sybils.size(), "the flood was answered: " + accepts[0]);
    assertTrue(bob.engine().counters().evictedSessions() > 0, bob.engine().counters().toString());
    assertTrue(bob.engine().sessionCount() <= HolePunch.Config.defaults().maxSessions());
  }

  @Test
  void theRendezvousForwardsANetworksConnectsToOneTargetWithinItsBudget() {
    Rendezvous.Limits limits = Rendezvous.Limits.defaults();
    Rendezvous rv = new Rendezvous(1_000, null, Set.of());
    Identity target = Identity.generate(new SplittableRandom(1));
    Identity other = Identity.generate(new SplittableRandom(2));
    register(rv, target, new InetSocketAddress(VirtualNet.ip(198, 51, 100, 2), 4000));
    register(rv, other, new InetSocketAddress(VirtualNet.ip(198, 51, 100, 3), 4000));
    // 16 ids on one IP, one /24 (each well within its own Connect budget), all towards one target.
    List<Identity> ids = new ArrayList<>();
    List<InetSocketAddress> at = new ArrayList<>();
    SplittableRandom keys = new SplittableRandom(3);
    for (int i = 0; i < 16; i++) {
      ids.add(Identity.generate(keys));
      at.add(new InetSocketAddress(VirtualNet.ip(192, 0, 10, 66), 5000 + i));
      register(rv, ids.get(i), at.get(i));
    }
    long before = rv.counters().forwarded();
    for (int i = 0; i < 16; i++) {
      connect(rv, ids.get(i), at.get(i), target.id(), 0);
    }
    assertEquals((long) limits.targetConnectBurst(), rv.counters().forwarded() - before, "a burst per network and target");
    // Another target is another budget; so is another network; and the budget refills.
    connect(rv, ids.get(0), at.get(0), other.id(), 0);
    Identity honest = Identity.generate(new SplittableRandom(4));
    InetSocketAddress honestAt = new InetSocketAddress(VirtualNet.ip(198, 51, 7, 1), 4000);
    register(rv, honest, honestAt);
    connect(rv, honest, honestAt, target.id(), 0);
    assertEquals((long) limits.targetConnectBurst() + 2, rv.counters().forwarded() - before);
    connect(rv, ids.get(1), at.get(1), target.id(), 1_000);
    assertEquals((long) limits.targetConnectBurst() + 3, rv.counters().forwarded() - before);
    assertEquals(16 - (long) limits.targetConnectBurst(), rv.counters().overRate());
  }

  private static void register(Rendezvous rv, Identity id, InetSocketAddress from) {
    rv.handleDatagram(0, from, PunchCodec.encode(new PunchMessage.Register(id.publicKey(), 1,
        id.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(id.publicKey(), 1)))), 0);
    while (rv.pollTransmit().isPresent()) {
      // Registered
    }
  }

  private static void connect(Rendezvous rv, Identity id, InetSocketAddress from, NodeId target, long now) {
    rv.handleDatagram(0, from, PunchCodec.encode(PunchCodec.connect(id, new SplittableRandom(now).nextLong(),
        target, PUBLIC, List.of())), now);
    while (rv.pollTransmit().isPresent()) {
      // forwarded
    }
  }
}
