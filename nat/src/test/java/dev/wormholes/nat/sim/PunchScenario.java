package dev.wormholes.nat.sim;

import dev.wormholes.nat.punch.HolePunch;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchEvent;
import java.net.InetAddress;
import java.util.SplittableRandom;

/**
 * Two sites on a {@link VirtualNet} (each a host behind a NAT of a given type, or public), a
 * public rendezvous, and one punch from site A to site B, run in virtual time.
 */
public final class PunchScenario {
  /** The result of one run. */
  public record Outcome(PunchEvent a, PunchEvent b, SimPeer peerA, SimPeer peerB, VirtualNet net) {
    /** Return whether both ends established a path. */
    public boolean punched() {
      return a instanceof PunchEvent.PathEstablished && b instanceof PunchEvent.PathEstablished;
    }
  }

  private PunchScenario() {}

  /** Run A (type {@code ta}) punching to B (type {@code tb}) with {@code seed}. */
  public static Outcome run(VirtualNat.Type ta, VirtualNat.Type tb, long seed, HolePunch.Config config) {
    return run(ta, tb, seed, config, 0.0);
  }

  /** Run A punching to B on a network that loses {@code loss} of all datagrams. */
  public static Outcome run(VirtualNat.Type ta, VirtualNat.Type tb, long seed, HolePunch.Config config,
      double loss) {
    VirtualNet net = new VirtualNet(new SplittableRandom(seed), 20, loss);
    SimPeer.SimRendezvous rv = new SimPeer.SimRendezvous(net, VirtualNet.ip(203, 0, 113, 10));
    SimPeer a = site(net, ta, 1, rv, seed * 31 + 1, config);
    SimPeer b = site(net, tb, 2, rv, seed * 31 + 2, config);
    a.start();
    b.start();
    net.runUntil(200);
    if (loss > 0) {
      // Registrations may have been lost: keepalives would retry; here, register again until both are.
      for (int i = 0; i < 20 && (rv.engine().registrationCount() < 2); i++) {
        a.start();
        b.start();
        net.runUntil(net.now() + 100);
      }
    }
    a.connect(b);
    net.runUntil(net.now() + config.punchTimeoutMs() + 1000);
    return new Outcome(a.outcome(), b.outcome(), a, b, net);
  }

  /** Run two hosts behind one NAT of type {@code t}. */
  public static Outcome sameLan(VirtualNat.Type t, long seed, HolePunch.Config config) {
    VirtualNet net = new VirtualNet(new SplittableRandom(seed), 20, 0.0);
    SimPeer.SimRendezvous rv = new SimPeer.SimRendezvous(net, VirtualNet.ip(203, 0, 113, 10));
    VirtualNat nat = net.addNat(VirtualNet.ip(198, 51, 100, 1), t);
    SimPeer a = host(net, nat, VirtualNet.ip(10, 1, 0, 2), t, rv, seed * 31 + 1, config);
    SimPeer b = host(net, nat, VirtualNet.ip(10, 1, 0, 3), t, rv, seed * 31 + 2, config);
    a.start();
    b.start();
    net.runUntil(200);
    a.connect(b);
    net.runUntil(200 + config.punchTimeoutMs() + 1000);
    return new Outcome(a.outcome(), b.outcome(), a, b, net);
  }

  private static SimPeer site(VirtualNet net, VirtualNat.Type t, int i, SimPeer.SimRendezvous rv,
      long seed, HolePunch.Config config) {
    if (t == VirtualNat.Type.PUBLIC) {
      return host(net, null, VirtualNet.ip(198, 51, 100, 100 + i), t, rv, seed, config);
    }
    VirtualNat nat = net.addNat(VirtualNet.ip(198, 51, 100, i), t);
    return host(net, nat, VirtualNet.ip(10, i, 0, 2), t, rv, seed, config);
  }

  private static SimPeer host(VirtualNet net, VirtualNat nat, InetAddress ip, VirtualNat.Type t,
      SimPeer.SimRendezvous rv, long seed, HolePunch.Config config) {
    net.placeHost(ip, nat);
    return new SimPeer(net, ip, new NatHint(t.mapping, t.filtering), rv.address(), seed, config);
  }
}
