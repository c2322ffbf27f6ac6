package dev.wormholes.sim;

import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.punch.NatHint;
import dev.wormholes.sim.nat.LongLongMap;
import dev.wormholes.sim.nat.NatAddresses;
import dev.wormholes.sim.nat.NatBox;
import dev.wormholes.sim.nat.NatMix;
import dev.wormholes.sim.nat.NatType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Who sits behind which NAT in a run (the world {@link NatLayer} drives engines in): every node's
 * {@link NatType} from {@code nat.mix} and, with {@code nat.port_mapping}, a static port mapping;
 * each node's {@link NatBox}, made when it first sends or is sent to; the honest public nodes in a
 * ring; the {@code nat.connect_pairs} pairs written into {@link Connects}, each with a random public
 * contact; and which public nodes serve (the contacts and the ring around them).
 *
 * <p>Which public nodes a node knows is a model, not a protocol decision: a member knows its
 * pair's contact and the next serving publics in the ring ({@link #CONTACTS} in all), a serving
 * public node the {@link #RING} either side of it.
 *
 * <p>Memory: one byte per node (type and mapping flag) and one reference per node for a box.
 */
final class NatPopulation {
  /** Public contacts a member knows. */
  static final int CONTACTS = 3;
  /** A public node knows this many public nodes either side of it in the ring. */
  static final int RING = 2;
  private static final int MAPPED_BIT = 0x80;

  private final int n;
  private final byte[] types;           // NatType ordinal | MAPPED_BIT
  private final NatBox[] boxes;         // null until the node first sends or is sent to
  private final long timeoutMs;
  private final int maxEntries;
  private final SplittableRandom random;
  private final NatMix mix;
  // Honest public nodes, in a ring; pair members by slot (target 2p, initiator 2p + 1); serving publics.
  private int[] publics;
  private final LongLongMap publicIndex = new LongLongMap(16);
  private final LongLongMap slotOfNode = new LongLongMap(16);
  private final LongLongMap servers = new LongLongMap(16);
  private long peakBoxEntries;
  private long tableFull;

  /**
   * Assign NAT types to {@code n} nodes and write {@code connects.pairs()} disjoint pairs among
   * {@code honest} into {@code connects}; {@code random} also picks the boxes' random ports.
   */
  NatPopulation(Scenario sc, int n, int[] honest, SplittableRandom random, Connects connects) {
    this.n = n;
    this.random = random;
    this.mix = NatMix.parse(sc.str("nat.mix"));
    this.types = mix.assign(n, random);
    if (Boolean.parseBoolean(sc.str("nat.dht")) && sc.str("bootstrap").equals("join")) {
      makeSeedsPublic(honest, Math.min(sc.integer("bootstrap.seeds"), honest.length));
    }
    this.boxes = new NatBox[n];
    this.timeoutMs = sc.lng("nat.mapping_timeout_s") * 1000;
    this.maxEntries = sc.integer("nat.max_entries");
    markPortMappings(sc.dbl("nat.port_mapping"));
    pickPairs(honest, connects);
  }

  /**
   * Joining through NATs needs seeds everyone can reach: swap the first {@code seeds} honest nodes'
   * types with public nodes' (the mix's counts stay exact).
   */
  private void makeSeedsPublic(int[] honest, int seeds) {
    int next = 0;
    for (int s = 0; s < seeds; s++) {
      int seed = honest[s];
      if (types[seed] == NatType.PUBLIC.ordinal()) continue;
      while (next < n && (types[next] != NatType.PUBLIC.ordinal() || isSeed(honest, seeds, next))) next++;
      if (next == n) throw new IllegalArgumentException("nat.dht with bootstrap = join needs a public node per seed");
      types[next] = types[seed];
      types[seed] = (byte) NatType.PUBLIC.ordinal();
    }
  }

  private static boolean isSeed(int[] honest, int seeds, int node) {
    for (int s = 0; s < seeds; s++) if (honest[s] == node) return true;
    return false;
  }

  /** Give a static port mapping to that share of the NATed nodes (exact count, seeded choice). */
  private void markPortMappings(double share) {
    int[] natted = new int[n];
    int c = 0;
    for (int i = 0; i < n; i++) if (types[i] != NatType.PUBLIC.ordinal()) natted[c++] = i;
    int want = (int) Math.round(share * c);
    for (int k = 0; k < want; k++) {
      int j = k + random.nextInt(c - k);
      int t = natted[k]; natted[k] = natted[j]; natted[j] = t;
      types[natted[k]] |= MAPPED_BIT;
    }
  }

  private void pickPairs(int[] honest, Connects connects) {
    int pairs = connects.pairs();
    int[] order = honest.clone();
    for (int k = 0; k < 2 * pairs; k++) {
      int j = k + random.nextInt(order.length - k);
      int t = order[k]; order[k] = order[j]; order[j] = t;
    }
    publics = new int[honest.length];
    int pc = 0;
    for (int i : honest) {
      if (type(i) == NatType.PUBLIC) {
        publicIndex.put(i, pc);
        publics[pc++] = i;
      }
    }
    publics = Arrays.copyOf(publics, pc);
    for (int p = 0; p < pairs; p++) {
      int a = order[2 * p];
      int b = order[2 * p + 1];
      connects.initiator[p] = a;
      connects.target[p] = b;
      connects.catA[p] = (byte) category(a);
      connects.catB[p] = (byte) category(b);
      connects.rendezvous[p] = pickContact(pc, a, b);
      slotOfNode.put(b, 2L * p);
      slotOfNode.put(a, 2L * p + 1);
      int at = (int) publicIndex.get(connects.rendezvous[p]);
      for (int k = -RING; k < CONTACTS + RING; k++) {
        servers.put(publics[Math.floorMod(at + k, pc)], 1);
      }
    }
  }

  /** A random public node other than both ends: the first public contact of the pair's members. */
  private int pickContact(int count, int a, int b) {
    for (int tries = 0; tries < 1000 && count > 0; tries++) {
      int r = publics[random.nextInt(count)];
      if (r != a && r != b) return r;
    }
    throw new IllegalArgumentException("nat.mix needs public nodes (other than both ends) to act as rendezvous peers");
  }

  NatType type(int i) {
    return NatType.values()[types[i] & ~MAPPED_BIT & 0xFF];
  }

  boolean mapped(int i) {
    return (types[i] & MAPPED_BIT) != 0;
  }

  int category(int i) {
    return mapped(i) ? Connects.MAPPED : type(i).ordinal();
  }

  /** Return whether node {@code i} runs a NatCore (a pair member or a public node near one). */
  boolean member(int i) {
    return slotOfNode.containsKey(i) || servers.containsKey(i);
  }

  /** Return node {@code node}'s member slot, or {@link LongLongMap#MISSING}. */
  long slotOf(int node) {
    return slotOfNode.get(node);
  }

  /** Return whether public node {@code node} serves (runs a NatCore as a rendezvous candidate). */
  boolean serves(int node) {
    return servers.containsKey(node);
  }

  /** Return the serving public nodes. */
  int[] servers() {
    int[] out = new int[servers.capacity()];
    int c = 0;
    for (int k = 0; k < servers.capacity(); k++) {
      long node = servers.keyAt(k);
      if (node != LongLongMap.MISSING && servers.valueAt(k) != LongLongMap.MISSING) out[c++] = (int) node;
    }
    return Arrays.copyOf(out, c);
  }

  /** Return the honest public nodes, in ring order. */
  int[] publics() {
    return publics.clone();
  }

  /** Return the public nodes {@link #RING} places either side of public node {@code node}. */
  List<Integer> ring(int node) {
    int at = (int) publicIndex.get(node);
    List<Integer> out = new ArrayList<>();
    for (int k = -RING; k <= RING; k++) {
      int other = publics[Math.floorMod(at + k, publics.length)];
      if (other != node) out.add(other);
    }
    return out;
  }

  /** Return the serving publics member {@code node} knows: {@code contact} and the next ones in the ring ({@link #CONTACTS}). */
  List<Integer> contactsOf(int node, int contact) {
    int at = (int) publicIndex.get(contact);
    List<Integer> out = new ArrayList<>();
    for (int k = 0; out.size() < CONTACTS && k < publics.length; k++) {
      int other = publics[(at + k) % publics.length];
      if (other != node && servers.containsKey(other)) out.add(other);
    }
    return out;
  }

  /**
   * Return whether node {@code i}, with its true NAT type and port mapping, filters strangers
   * ({@link NatReport#filtersStrangers}: the daemon's rule): then it runs the DHT read-only.
   */
  boolean filtersStrangers(int i) {
    return new NatReport(type(i).mapping, type(i).filtering, true, null, 0, 0).filtersStrangers(mapped(i));
  }

  /** Return whether node {@code i}, knowing its NAT as {@code hint}, filters strangers (the same rule). */
  boolean filtersStrangers(int i, NatHint hint) {
    return new NatReport(hint.mapping(), hint.filtering(), true, null, 0, 0).filtersStrangers(mapped(i));
  }

  /** Return the type shares as configured. */
  NatMix mix() {
    return mix;
  }

  // ---------------------------------------------------------------- the boxes

  private NatBox box(int i) {
    NatBox b = boxes[i];
    if (b == null) {
      int staticPort = mapped(i) ? NatAddresses.NODE_PORT : -1;
      b = new NatBox(type(i), timeoutMs, maxEntries, staticPort, NatAddresses.NODE_PORT);
      boxes[i] = b;
    }
    return b;
  }

  /**
   * Translate a datagram node {@code i} sends from {@code localPort} to {@code toIp:toPort}; return
   * its public source port, or {@link NatBox#DROP} if {@code i}'s NAT table is full.
   */
  int outbound(int i, int localPort, int toIp, int toPort, long now) {
    if (type(i) == NatType.PUBLIC) return localPort;
    NatBox b = box(i);
    int port = b.outbound(localPort, toIp, toPort, now, random);
    peakBoxEntries = Math.max(peakBoxEntries, b.size());
    if (port == NatBox.DROP) tableFull++;
    return port;
  }

  /**
   * Filter a datagram from {@code fromIp:fromPort} to node {@code j}'s public port {@code toPort};
   * return the local port it reaches, or {@link NatBox#DROP}.
   */
  int inbound(int j, int fromIp, int fromPort, int toPort, long now) {
    return type(j) == NatType.PUBLIC ? toPort : box(j).inbound(fromIp, fromPort, toPort, now);
  }

  /** Add the population's counters (nodes per type, boxes, mappings) to {@code c}. */
  void count(Simulation.Counters c) {
    c.put("nat.table_full", tableFull);
    c.put("nat.peak_box_entries", peakBoxEntries);
    long boxCount = 0;
    long created = 0;
    long expired = 0;
    for (NatBox b : boxes) {
      if (b == null) continue;
      boxCount++;
      created += b.created();
      expired += b.expired();
    }
    c.put("nat.boxes", boxCount);
    c.put("nat.mappings_created", created);
    c.put("nat.mappings_expired", expired);
    for (NatType t : NatType.values()) {
      long k = 0;
      long m = 0;
      for (int i = 0; i < n; i++) {
        if (type(i) == t) k++;
        if (type(i) == t && mapped(i)) m++;
      }
      c.put("nat.nodes." + t.label, k);
      if (m > 0) c.put("nat.nodes." + t.label + "+mapped", m);
    }
  }
}
