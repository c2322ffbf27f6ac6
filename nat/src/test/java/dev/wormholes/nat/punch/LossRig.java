package dev.wormholes.nat.punch;

import dev.wormholes.nat.sim.SimPeer;
import dev.wormholes.nat.sim.VirtualNat;
import dev.wormholes.nat.sim.VirtualNet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A punch between initiator A and target B through rendezvous R on a lossless {@link VirtualNet}
 * (real NAT models, 20 ms one-way) that drops chosen signalling datagrams: the first {@code count}
 * datagrams of one message type sent by one party. B registers first; A registers and connects
 * in the same instant, 200 ms later (as a node does with the target's rendezvous).
 */
final class LossRig {
  /** Who sends a dropped datagram: A, B, or the rendezvous towards A or towards B. */
  enum Party { A, B, R_TO_A, R_TO_B }

  /** Drop the first {@code count} datagrams of {@code type} sent by {@code sender}. */
  record Drop(Party sender, Class<? extends PunchMessage> type, int count) {
    @Override
    public String toString() {
      return count + " x " + type.getSimpleName() + " from " + sender;
    }
  }

  final VirtualNet net = new VirtualNet(new SplittableRandom(1), 20, 0.0);
  final Rendezvous rv = new Rendezvous(1000, null, java.util.Set.of());
  final InetSocketAddress rvMain = new InetSocketAddress(VirtualNet.ip(203, 0, 113, 10), 3478);
  final SimPeer a;
  final SimPeer b;
  private final InetAddress aPublicIp;
  private final HolePunch.Config config;
  private final Drop drop;
  private final List<byte[]> dropped = new ArrayList<>();

  LossRig(VirtualNat.Type ta, VirtualNat.Type tb, long seed, HolePunch.Config config, Drop drop) {
    this.config = config;
    this.drop = drop;
    aPublicIp = publicIp(ta, 1);
    a = site(Party.A, ta, 1, seed * 31 + 1);
    b = site(Party.B, tb, 2, seed * 31 + 2);
    net.bind(rvMain, (l, from, bytes, now) -> {
      rv.handleDatagram(0, from, bytes, now);
      for (var t = rv.pollTransmit(); t.isPresent(); t = rv.pollTransmit()) {
        Party p = t.get().to().getAddress().equals(aPublicIp) ? Party.R_TO_A : Party.R_TO_B;
        send(p, rvMain, t.get().to(), t.get().payload());
      }
    });
  }

  private static InetAddress publicIp(VirtualNat.Type t, int i) {
    return t == VirtualNat.Type.PUBLIC ? VirtualNet.ip(198, 51, 100, 100 + i) : VirtualNet.ip(198, 51, 100, i);
  }

  /** One end: a {@link SimPeer} whose datagrams pass through {@link #send} as {@code party}. */
  private SimPeer site(Party party, VirtualNat.Type t, int i, long seed) {
    InetAddress publicIp = publicIp(t, i);
    InetAddress hostIp = publicIp;
    if (t != VirtualNat.Type.PUBLIC) {
      hostIp = VirtualNet.ip(10, i, 0, 2);
      net.placeHost(hostIp, net.addNat(publicIp, t));
    }
    return new SimPeer(net, hostIp, new NatHint(t.mapping, t.filtering), rvMain, seed, config,
        (src, dst, bytes) -> send(party, src, dst, bytes));
  }

  /** Run B's registration, then A's register + connect, then the whole budget and a second. */
  void run() {
    b.engine().start(net.now());
    b.drain();
    net.runUntil(200);
    a.engine().start(net.now());
    a.engine().connect(b.identity().id(), net.now());
    a.drain();
    net.runUntil(200 + config.punchTimeoutMs() + 1000);
  }

  private void send(Party sender, InetSocketAddress src, InetSocketAddress dst, byte[] bytes) {
    Optional<PunchMessage> m = PunchCodec.decode(bytes);
    if (sender == drop.sender() && m.isPresent() && drop.type().isInstance(m.get())
        && dropped.size() < drop.count()) {
      dropped.add(bytes);
      return;
    }
    net.send(src, dst, bytes);
  }

  /** Return how many datagrams were dropped. */
  int droppedCount() {
    return dropped.size();
  }

  /** Return the dropped datagrams. */
  List<byte[]> droppedBytes() {
    return dropped;
  }
}
