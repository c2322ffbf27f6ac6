package dev.wormholes.sim;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.node.NatCore;
import dev.wormholes.nat.punch.Candidate;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.sim.nat.NatAddresses;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * Sybils at the rendezvous (issue 12): attacker hosts that register with the honest rendezvous
 * peers and flood them with Connects, run by the {@link NatLayer} against the daemon's {@code
 * Rendezvous} and {@code HolePunch} engines (inside each {@code NatCore}), behind the daemon's
 * per-source budget when {@code nat.source_budget} is on.
 *
 * <p>Every attacker host is a public node with its own IP in its own /24 (the worst case for the
 * per-/24 caps) and {@code nat.sybil.ids} real Ed25519 key pairs. What each host does:
 *
 * <ul>
 *   <li><b>Registers</b> every id with every rendezvous an honest target uses, every {@link
 *       #REGISTER_MS} (the honest keepalive), each round with a fresh signed sequence number: it
 *       tries to fill the registration tables so that honest targets cannot register.
 *   <li><b>Connects</b> at {@code nat.sybil.connects_per_s}: signed Connects (replayed from a
 *       signed pool: the rendezvous does not refuse a replayed Connect) from each id to the honest
 *       targets, each at the rendezvous the target registered with, naming 8 candidates at the
 *       victim's IP. It answers every Accept with the Sync the Accept's cookie allows, so that the
 *       target probes as much as the protocol lets it.
 *   <li><b>Spoofs</b> at {@code nat.sybil.spoofed_per_s}: a Register of a spare id from the
 *       victim's address, then a Connect from it, so that what the rendezvous and the target
 *       answer goes to the victim.
 * </ul>
 *
 * Measured: bytes the attackers send (all, and from the victim's address), bytes honest nodes send
 * to attacker hosts and to the victim, and what the attackers got (registrations, Accepts, probes).
 * The amplification of the whole attack is (bytes to attackers + bytes to the victim) / bytes sent;
 * the victim's alone is bytes to the victim / bytes spoofed from its address.
 */
final class RendezvousSybils implements NatLayer.Intruders {
  /** Sends a datagram physically from node {@code sender} with source {@code fromIp:fromPort}. */
  interface Net {
    void send(int sender, int fromIp, int fromPort, InetSocketAddress to, byte[] bytes, long now);
  }

  /** The honest targets, as their presence records tell: ids and the rendezvous each registered with. */
  record Targets(NodeId[] ids, InetSocketAddress[] rendezvous) {}

  /** One step of an attacker host's program. */
  static final long TICK_MS = 100;
  /** Re-registration interval: the honest keepalive ({@code HolePunch.Config#registerIntervalMs}). */
  static final long REGISTER_MS = 10_000;
  private static final NatHint HINT = new NatHint(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ENDPOINT_INDEPENDENT);
  private static final int CANDIDATES = 8;
  /** Spare key pairs per host for the spoofed registrations (re-registered with fresh sequence numbers). */
  private static final int SPARES = 8;

  private final int[] hosts;
  private final int victim;
  private final int idsPerHost;
  private final boolean focus;
  private final double connectsPerTick;
  private final double spoofedPerTick;
  private final long start;
  private final long end;
  private final SplittableRandom random;
  private final Net net;
  private final Supplier<Targets> targets;
  private final Map<Integer, Integer> hostOrdinal = new LinkedHashMap<>();
  // Set by plan(): per host its ids, its signed Connect pool and where each goes.
  private Identity[][] ids;
  private Identity[][] spares;
  private byte[][][] connects;
  private InetSocketAddress[][] connectTo;
  private InetSocketAddress[] rendezvous;
  private NodeId[] targetIds;
  private InetSocketAddress[] targetRendezvous;
  private final long[] nextRegister;
  private final int[] connectNext;
  private final double[] connectCredit;
  private final double[] spoofCredit;
  private long spoofSeq;
  private long registerSeq;
  // Counters.
  private long sent;
  private long bytesSent;
  private long bytesSpoofed;
  private long bytesToHosts;
  private long bytesToVictim;
  private long registersSent;
  private long connectsSent;
  private long registered;
  private long refused;
  private long accepts;
  private long syncs;
  private long probesReceived;
  private long otherReceived;

  /**
   * @param hosts the attacker hosts (public nodes outside the connect workload)
   * @param victim the node whose address the spoofed datagrams carry
   * @param idsPerHost key pairs per host
   * @param focus attack only the rendezvous the first target registered with (and the targets there)
   * @param connectsPerSecond Connects per second per host
   * @param spoofedPerSecond spoofed Register + Connect pairs per second per host
   * @param start when the attack starts
   * @param end when it stops
   */
  private RendezvousSybils(int[] hosts, int victim, int idsPerHost, boolean focus, double connectsPerSecond,
      double spoofedPerSecond, long start, long end, SplittableRandom random, Net net, Supplier<Targets> targets) {
    this.hosts = hosts.clone();
    this.victim = victim;
    this.idsPerHost = idsPerHost;
    this.focus = focus;
    this.connectsPerTick = connectsPerSecond * TICK_MS / 1000.0;
    this.spoofedPerTick = spoofedPerSecond * TICK_MS / 1000.0;
    this.start = start;
    this.end = end;
    this.random = random;
    this.net = net;
    this.targets = targets;
    for (int h = 0; h < hosts.length; h++) hostOrdinal.put(hosts[h], h);
    nextRegister = new long[hosts.length];
    connectNext = new int[hosts.length];
    connectCredit = new double[hosts.length];
    spoofCredit = new double[hosts.length];
  }

  /**
   * Make {@code nat.sybils} attacker hosts out of the public nodes outside the connect workload
   * ({@code member} says which are in it), and a victim whose address they spoof (another such
   * node); the attack ends at {@code end}. At its first step it learns the {@code targets}.
   */
  static RendezvousSybils of(Scenario sc, int[] publics, IntPredicate member, long end, SplittableRandom random, Net net,
      Supplier<Targets> targets) {
    int count = sc.integer("nat.sybils");
    int[] hosts = new int[count];
    int found = 0;
    int victim = -1;
    for (int i : publics) {
      if (member.test(i)) continue;
      if (victim < 0) victim = i;
      else if (found < count) hosts[found++] = i;
    }
    if (found < count) throw new IllegalArgumentException("nat.sybils needs " + (count + 1) + " spare public nodes");
    return new RendezvousSybils(hosts, victim, sc.integer("nat.sybil.ids"), Boolean.parseBoolean(sc.str("nat.sybil.focus")),
        sc.dbl("nat.sybil.connects_per_s"), sc.dbl("nat.sybil.spoofed_per_s"), sc.lng("nat.sybil.start_s") * 1000, end,
        random, net, targets);
  }

  /** Schedule every host's first step at the attack's start (one ms apart). */
  @Override
  public void start(NatLayer.Scheduler at) {
    for (int h = 0; h < hosts.length; h++) at.at(start + h, h);
  }

  /** Return whether node {@code i} is an attacker host. */
  boolean isHost(int i) {
    return hostOrdinal.containsKey(i);
  }

  /**
   * Learn the honest targets (their ids and the rendezvous each registered with, as their presence
   * records tell) and make every host's key pairs and signed Connect pool.
   */
  void plan(NodeId[] targets, InetSocketAddress[] rendezvousOfTarget) {
    if (focus && targets.length > 0) {
      InetSocketAddress first = rendezvousOfTarget[0];
      List<Integer> there = new ArrayList<>();
      for (int t = 0; t < targets.length; t++) if (rendezvousOfTarget[t].equals(first)) there.add(t);
      NodeId[] all = targets;
      targets = there.stream().map(t -> all[t]).toArray(NodeId[]::new);
      rendezvousOfTarget = new InetSocketAddress[targets.length];
      java.util.Arrays.fill(rendezvousOfTarget, first);
    }
    this.targetIds = targets.clone();
    this.targetRendezvous = rendezvousOfTarget.clone();
    this.rendezvous = java.util.Arrays.stream(rendezvousOfTarget).distinct().toArray(InetSocketAddress[]::new);
    ids = new Identity[hosts.length][idsPerHost];
    spares = new Identity[hosts.length][SPARES];
    connects = new byte[hosts.length][][];
    connectTo = new InetSocketAddress[hosts.length][];
    List<Candidate> aimed = new ArrayList<>();
    for (int c = 0; c < CANDIDATES; c++) {
      aimed.add(new Candidate(Candidate.Kind.OBSERVED,
          NatAddresses.endpoint(NatAddresses.publicIp(victim), NatAddresses.NODE_PORT + c)));
    }
    for (int h = 0; h < hosts.length; h++) {
      for (int k = 0; k < SPARES; k++) spares[h][k] = Identity.generate(random);
      connects[h] = new byte[idsPerHost][];
      connectTo[h] = new InetSocketAddress[idsPerHost];
      for (int k = 0; k < idsPerHost; k++) {
        ids[h][k] = Identity.generate(random);
        if (targets.length == 0) continue;
        int t = (h * idsPerHost + k) % targets.length;
        connects[h][k] = PunchCodec.encode(PunchCodec.connect(ids[h][k], random.nextLong(), targets[t], HINT, aimed));
        connectTo[h][k] = rendezvousOfTarget[t];
      }
    }
  }

  /** Run host {@code h}'s program at {@code now}; return when to call again, or -1 when done. */
  @Override
  public long tick(int h, long now) {
    if (ids == null) {
      Targets t = targets.get(); // the first step: learn where the honest targets registered
      plan(t.ids(), t.rendezvous());
    }
    if (now >= end) return -1;
    int host = hosts[h];
    int ip = NatAddresses.publicIp(host);
    if (now >= nextRegister[h]) {
      nextRegister[h] = now + REGISTER_MS;
      for (Identity id : ids[h]) {
        byte[] reg = register(id, now);
        for (InetSocketAddress r : rendezvous) send(host, ip, reg, r, now);
        registersSent += rendezvous.length;
      }
    }
    if (targetIds.length > 0) {
      connectCredit[h] += connectsPerTick;
      for (; connectCredit[h] >= 1; connectCredit[h]--) {
        int k = connectNext[h];
        connectNext[h] = (k + 1) % idsPerHost;
        send(host, ip, connects[h][k], connectTo[h][k], now);
        connectsSent++;
      }
      spoofCredit[h] += spoofedPerTick;
      for (; spoofCredit[h] >= 1; spoofCredit[h]--) spoof(h, now);
    }
    return now + TICK_MS;
  }

  // A spare id registered from the victim's address, then a Connect from there to a target.
  private void spoof(int h, long now) {
    int host = hosts[h];
    Identity spare = spares[h][(int) (spoofSeq % SPARES)];
    int t = (int) (spoofSeq++ % targetIds.length);
    int victimIp = NatAddresses.publicIp(victim);
    byte[] reg = register(spare, now);
    byte[] con = PunchCodec.encode(PunchCodec.connect(spare, random.nextLong(), targetIds[t], HINT, List.of()));
    for (byte[] b : new byte[][] {reg, con}) {
      net.send(host, victimIp, NatAddresses.NODE_PORT, targetRendezvous[t], b, now);
      sent++;
      bytesSent += b.length;
      bytesSpoofed += b.length;
    }
  }

  private byte[] register(Identity id, long now) {
    long seq = now * 1024 + (registerSeq++ & 1023); // grows: the rendezvous refuses a replay
    byte[] key = id.publicKey();
    return PunchCodec.encode(new PunchMessage.Register(key, seq,
        id.sign(PunchCodec.REGISTER_DOMAIN, PunchCodec.registerSigned(key, seq))));
  }

  private void send(int host, int ip, byte[] bytes, InetSocketAddress to, long now) {
    net.send(host, ip, NatAddresses.NODE_PORT, to, bytes, now);
    sent++;
    bytesSent += bytes.length;
  }

  /** An honest node sent {@code length} bytes to node {@code to}: count it if {@code to} is ours. */
  @Override
  public void sent(int to, int length) {
    if (to == victim) bytesToVictim += length;
    else if (isHost(to)) bytesToHosts += length;
  }

  /** A datagram reached node {@code host}: if it is an attacker host, answer an Accept with its Sync, count the rest. */
  @Override
  public boolean deliver(int host, InetSocketAddress from, byte[] bytes, long now) {
    if (!isHost(host)) return false;
    PunchMessage m = PunchCodec.decode(bytes).orElse(null);
    if (m instanceof PunchMessage.Registered) {
      registered++;
    } else if (m instanceof PunchMessage.Refused) {
      refused++;
    } else if (m instanceof PunchMessage.Accept a) {
      accepts++;
      if (now < end) {
        byte[] sync = PunchCodec.encode(new PunchMessage.Sync(a.session(), Identity.idOf(a.responderKey()).toBytes(),
            a.cookie()));
        send(host, NatAddresses.publicIp(host), sync, from, now);
        syncs++;
      }
    } else if (m instanceof PunchMessage.Probe) {
      probesReceived++;
    } else {
      otherReceived++;
    }
    return true;
  }

  /**
   * Count the registrations of attacker ids the serving {@code cores} hold: in all, and the most
   * one host holds at one rendezvous (the per-IP cap bounds it).
   */
  private void countRegistrations(List<NatCore> cores, Simulation.Counters c) {
    long held = 0;
    long maxPerHost = 0;
    for (NatCore core : cores) {
      if (!core.serving() || ids == null) continue;
      for (Identity[] hostIds : ids) {
        long here = 0;
        for (Identity id : hostIds) {
          if (core.registered(id.id()).isPresent()) here++;
        }
        held += here;
        maxPerHost = Math.max(maxPerHost, here);
      }
    }
    c.put("sybil.rdv.registrations_held", held);
    c.put("sybil.rdv.registrations_max_per_host", maxPerHost);
  }

  /** Add this run's counters to {@code c} (and the registrations {@code cores} hold); amplification figures are in thousandths. */
  @Override
  public void count(Simulation.Counters c, List<NatCore> cores) {
    countRegistrations(cores, c);
    c.put("sybil.rdv.hosts", hosts.length);
    c.put("sybil.rdv.datagrams_sent", sent);
    c.put("sybil.rdv.bytes_sent", bytesSent);
    c.put("sybil.rdv.bytes_spoofed", bytesSpoofed);
    c.put("sybil.rdv.registers_sent", registersSent);
    c.put("sybil.rdv.connects_sent", connectsSent);
    c.put("sybil.rdv.registered", registered);
    c.put("sybil.rdv.refused", refused);
    c.put("sybil.rdv.accepts", accepts);
    c.put("sybil.rdv.syncs", syncs);
    c.put("sybil.rdv.probes_received", probesReceived);
    c.put("sybil.rdv.other_received", otherReceived);
    c.put("sybil.rdv.bytes_to_hosts", bytesToHosts);
    c.put("sybil.rdv.bytes_to_victim", bytesToVictim);
    c.put("sybil.rdv.amplification_permille", bytesSent == 0 ? 0 : 1000 * (bytesToHosts + bytesToVictim) / bytesSent);
    c.put("sybil.rdv.victim_permille", bytesSpoofed == 0 ? 0 : 1000 * bytesToVictim / bytesSpoofed);
  }
}
