package dev.wormholes.sim;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.FindNode;
import dev.wormholes.proto.wire.KeyProof;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Ping;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.StoredValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The active side of adversaries (issue 12's active Sybils): what they do of their own accord, on
 * the wire, with the admission costs the engines impose on them.
 *
 * <ul>
 *   <li><b>Keys.</b> Every adversary holds a real Ed25519 key pair whose id is SHA-256 of its key
 *       ({@link #grind}): an eclipse id sharing {@code p} prefix bits with a target costs about
 *       {@code 2^p} key generations, and a network's id work factor {@code w} multiplies that by
 *       {@code 2^w}. The key generations are counted ({@code sybil.keygens}). Adversaries answer
 *       every challenge addressed to their own id with a real {@link KeyProofs} proof.
 *   <li><b>join</b>: ping their way into honest tables. Every round ({@link #ROUND_MS}) a Sybil
 *       sends FIND_NODE for its own id to the {@code 2k} honest nodes closest to it (the attacker
 *       crawled the network: global knowledge, the worst case) and, when the answer brings a token,
 *       a PING with that token. A PING with a valid token proves the Sybil's address, so the honest
 *       engine pings it back with a challenge if the bucket has room and the /24 limits allow; the
 *       Sybil's proof then admits it, exactly as an honest newcomer is admitted.
 *   <li><b>flood</b>: every Sybil sends {@code adversary.flood_per_s} PUTs a second of fresh
 *       immutable values to the honest nodes whose tokens it holds, each value ground until its key
 *       shares {@code ceil(log2(N / k)) + 2} bits with the receiver's id, so that the receiver is
 *       among the k closest it knows and the "near keys only" rule does not refuse it outright. The
 *       SHA-256 computations are counted ({@code sybil.flood_hashes}).
 * </ul>
 *
 * The simulator decides only who the adversaries are and where they sit; every message is the
 * protocol's, every acceptance or refusal the honest engine's own.
 */
final class Sybils {
  /** A join round: FIND_NODE + token PING to every join target. */
  static final long ROUND_MS = 60_000;
  /** Key pairs per parallel share of an attacker's budget ({@link #spend}). */
  private static final int BUDGET_CHUNK = 4096;
  private static final ByteString PADDING = ByteString.copyFrom(new byte[64]);
  private static final byte[] FLOOD_TAG = "wormsim sybil flood".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Sends one datagram from one node to another. */
  interface Out {
    void send(int from, int to, byte[] bytes);
  }

  private final Identity[] identities;
  private final NodeId[] ids;
  private final int[][] targets;          // by node index: honest nodes it joins and floods
  private final int[] floodNext;          // by node index: next target to flood
  private final boolean join;
  private final boolean flood;
  private final long floodIntervalMs;
  private final int floodBits;
  private final long networkId;
  private final Out out;
  /** Latest token each (adversary, honest node) pair was issued. */
  private final Map<Long, ByteString> tokens = new HashMap<>();
  private final SplittableRandom random;
  private final long[] nextRound;         // by node index: next join round
  private long floodSeq;
  // Counters.
  private long findsSent;
  private long pingsSent;
  private long proofsSigned;
  private long putsSent;
  private long putAcks;
  private final Map<String, Long> putErrors = new java.util.TreeMap<>();
  private long floodHashes;

  /**
   * @param identities key pair of every adversary (null for honest nodes)
   * @param ids every node's id
   * @param honestIndex the honest nodes' ids
   * @param behaviours the scenario's behaviours ({@code join}, {@code flood})
   * @param k the engines' k
   * @param floodPerSecond PUTs per second per Sybil with {@code flood}
   * @param nodes all nodes of the run
   */
  Sybils(Identity[] identities, NodeId[] ids, IdIndex honestIndex, List<String> behaviours, int k,
      double floodPerSecond, int nodes, long networkId, SplittableRandom random, Out out) {
    this.identities = identities;
    this.ids = ids;
    this.join = behaviours.contains("join");
    this.flood = behaviours.contains("flood");
    this.floodIntervalMs = floodPerSecond > 0 ? Math.max(1, Math.round(1000 / floodPerSecond)) : Long.MAX_VALUE;
    this.floodBits = Math.max(0, 32 - Integer.numberOfLeadingZeros(Math.max(1, nodes / k) - 1) + 2);
    this.networkId = networkId;
    this.random = random;
    this.out = out;
    this.targets = new int[ids.length][];
    this.floodNext = new int[ids.length];
    this.nextRound = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (identities[i] != null) targets[i] = honestIndex.closest(ids[i], 2 * k);
    }
  }

  /**
   * Return a key pair whose id shares {@code prefixBits} leading bits with {@code near} (none if
   * null) and meets {@code workBits} of id work, drawing key pairs from {@code random}; {@code
   * tries[0]} is increased by the key generations it took.
   */
  static Identity grind(SplittableRandom random, NodeId near, int prefixBits, int workBits, long[] tries) {
    while (true) {
      Identity id = Identity.generate(random);
      tries[0]++;
      if ((near == null || id.id().commonPrefixLength(near) >= prefixBits) && KeyProofs.meetsWork(id.id(), workBits)) {
        return id;
      }
    }
  }

  /**
   * Spend an attacker's key-generation budget on eclipse ids: draw {@code budget} key pairs and
   * return the {@code count} whose ids are closest to {@code target} among those that meet {@code
   * workBits}, closest first; if fewer meet it, the rest are the closest of the others (the network
   * refuses them: what they show is the check). The budget is drawn in chunks, each from its own
   * generator split in order from {@code random}, on every core: the result does not depend on the
   * threads. Returns {@code count} key pairs (at most {@code budget}).
   */
  static Identity[] spend(SplittableRandom random, long budget, NodeId target, int workBits, int count) {
    int chunks = (int) Math.max(1, (budget + BUDGET_CHUNK - 1) / BUDGET_CHUNK);
    SplittableRandom[] rs = new SplittableRandom[chunks];
    for (int i = 0; i < chunks; i++) rs[i] = random.split();
    java.util.Comparator<Identity> closer = (a, b) -> target.compareDistance(a.id(), b.id());
    List<List<List<Identity>>> bests = java.util.stream.IntStream.range(0, chunks).parallel().mapToObj(c -> {
      long draws = Math.min(BUDGET_CHUNK, budget - (long) c * BUDGET_CHUNK);
      List<Identity> meets = new ArrayList<>();
      List<Identity> lacks = new ArrayList<>();
      for (long d = 0; d < draws; d++) {
        Identity id = Identity.generate(rs[c]);
        keepClosest(KeyProofs.meetsWork(id.id(), workBits) ? meets : lacks, id, count, closer);
      }
      return List.of(meets, lacks);
    }).toList();
    List<Identity> meets = new ArrayList<>();
    List<Identity> lacks = new ArrayList<>();
    for (List<List<Identity>> chunk : bests) {
      chunk.get(0).forEach(id -> keepClosest(meets, id, count, closer));
      chunk.get(1).forEach(id -> keepClosest(lacks, id, count, closer));
    }
    List<Identity> out = new ArrayList<>(meets);
    out.addAll(lacks.subList(0, Math.min(lacks.size(), count - meets.size())));
    return out.toArray(Identity[]::new);
  }

  // Insert `id` into `best` (sorted closest first), keeping at most `count`.
  private static void keepClosest(List<Identity> best, Identity id, int count, java.util.Comparator<Identity> closer) {
    if (best.size() == count && closer.compare(id, best.get(count - 1)) >= 0) return;
    int at = java.util.Collections.binarySearch(best, id, closer);
    best.add(at < 0 ? -at - 1 : at, id);
    if (best.size() > count) best.remove(count);
  }

  /** Return whether the adversaries act of their own accord (join or flood). */
  boolean active() {
    return join || flood;
  }

  /** Adversary {@code self} starts its program at {@code now}; return when to call {@link #tick} next. */
  long start(int self, long now) {
    nextRound[self] = now;
    return tick(self, now);
  }

  /** Run adversary {@code self}'s program at {@code now}; return when to call again. */
  long tick(int self, long now) {
    if (now >= nextRound[self]) {
      for (int t : targets[self]) {
        // Padded as an honest node pads: the cut answer still carries the token.
        send(self, t, request(self, Packet.newBuilder().setPadding(PADDING).setFindNode(
            FindNode.newBuilder().setTarget(ByteString.copyFrom(ids[self].toBytes()))), null));
        findsSent++;
      }
      nextRound[self] = now + ROUND_MS;
    }
    if (!flood) return nextRound[self];
    floodOne(self);
    return Math.min(nextRound[self], now + floodIntervalMs);
  }

  // One PUT of a fresh value near the next target whose token we hold.
  private void floodOne(int self) {
    int[] ts = targets[self];
    for (int n = 0; n < ts.length; n++) {
      int t = ts[floodNext[self]];
      floodNext[self] = (floodNext[self] + 1) % ts.length;
      ByteString token = tokens.get(Adversaries.pair(self, t));
      if (token == null) continue;
      StoredValue v = valueNear(ids[t]);
      send(self, t, request(self, Packet.newBuilder().setPutValue(PutValue.newBuilder().setValue(v)), token));
      putsSent++;
      return;
    }
  }

  private StoredValue valueNear(NodeId key) {
    byte[] b = new byte[FLOOD_TAG.length + 8];
    System.arraycopy(FLOOD_TAG, 0, b, 0, FLOOD_TAG.length);
    while (true) {
      long s = floodSeq++;
      for (int j = 0; j < 8; j++) b[FLOOD_TAG.length + j] = (byte) (s >>> (8 * j));
      floodHashes++;
      if (NodeId.of(Identity.sha256(b)).commonPrefixLength(key) >= floodBits) return DhtValues.immutable(b);
    }
  }

  /**
   * A response reached adversary {@code self} from {@code from}: keep its token and, for a join
   * round's FIND_NODE, PING back with it so the honest node pings us back with a challenge.
   */
  void onResponse(int self, int from, Packet p) {
    if (identities[self] == null) return;
    if (!p.getToken().isEmpty()) tokens.put(Adversaries.pair(self, from), p.getToken());
    switch (p.getBodyCase()) {
      case NODES:
        if (join && !p.getToken().isEmpty()) {
          send(self, from, request(self, Packet.newBuilder().setPing(Ping.getDefaultInstance()), p.getToken()));
          pingsSent++;
        }
        break;
      case PUT_ACK:
        putAcks++;
        break;
      case ERROR:
        putErrors.merge(p.getError().getCode().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
        break;
      default:
        break;
    }
  }

  /**
   * Return the proof adversary {@code self} attaches to its answer to {@code request}, or null
   * (no challenge, or no key).
   */
  KeyProof prove(int self, Packet request) {
    if (identities[self] == null || request.getChallenge().isEmpty()) return null;
    NodeId requester = NodeId.tryOf(request.getSenderId().toByteArray()).orElse(null);
    if (requester == null) return null;
    proofsSigned++;
    return KeyProofs.prove(identities[self], networkId, request.getChallenge(), requester);
  }

  private byte[] request(int self, Packet.Builder body, ByteString token) {
    body.setMagic(Limits.MAGIC).setVersion(Limits.PROTOCOL_VERSION).setNetworkId(networkId)
        .setTxid(random.nextLong()).setSenderId(ByteString.copyFrom(ids[self].toBytes()));
    if (token != null) body.setToken(token);
    return body.build().toByteArray();
  }

  private void send(int self, int to, byte[] bytes) {
    out.send(self, to, bytes);
  }

  /** Add this run's adversary counters to {@code c}. */
  void count(Simulation.Counters c) {
    c.put("sybil.finds_sent", findsSent);
    c.put("sybil.pings_sent", pingsSent);
    c.put("sybil.proofs_signed", proofsSigned);
    c.put("sybil.puts_sent", putsSent);
    c.put("sybil.put_acks", putAcks);
    c.put("sybil.flood_hashes", floodHashes);
    for (Map.Entry<String, Long> e : putErrors.entrySet()) c.put("sybil.put_error." + e.getKey(), e.getValue());
  }
}
