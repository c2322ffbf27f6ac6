package dev.wormholes.sim;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.Pong;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.PutAck;
import dev.wormholes.proto.wire.SignedPresence;
import dev.wormholes.proto.wire.StoredValue;
import dev.wormholes.proto.wire.ValueResponse;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The adversarial nodes of a simulation. They run no {@code DhtEngine}: each is a responder that
 * speaks the wire protocol ({@code wormholes.proto}) and lies in the ways the scenario asks:
 *
 * <ul>
 *   <li>{@code misroute}: answer FIND_NODE and GET_VALUE only with the adversaries closest to the
 *       target (the S/Kademlia attack model); otherwise answer with the truly closest nodes;
 *   <li>{@code fabricate} (active Sybils with free ids): answer FIND_NODE and GET_VALUE with k
 *       made-up ids closer to the target than any real node (sharing 64 bits with it), each at an
 *       adversary's address, and answer the next request from that requester at that address as
 *       the made-up id, as one host with many ports answers as any id it handed out. They hold no
 *       key for these ids, so they can never prove one (no routing table admits them), but a
 *       lookup that believes them is led away from the real nodes;
 *   <li>{@code drop_stores}: acknowledge every PUT and keep nothing;
 *   <li>{@code forge}: answer GET_VALUE with a forged record for the key (a genuine record it has
 *       seen with its endpoints rewritten, so the signature fails; or one signed by a key that does
 *       not own the id);
 *   <li>{@code stale}: keep the first version of every value it is given and serve that one.
 * </ul>
 *
 * Adversaries answer PING so they stay in routing tables, and accept any token. Passive ones never
 * send requests of their own; with {@link Sybils} ({@code join}, {@code flood}) they hold real keys,
 * prove them when challenged, and the answers to their own requests go there. Peer input that does
 * not parse is dropped and counted, as in an engine.
 */
public final class Adversaries {
  private static final int HELD_PER_ADVERSARY = 4096;
  private static final ByteString TOKEN = ByteString.copyFrom(new byte[16]);

  private static final int PENDING = 1 << 16;

  private final boolean misroute;
  private final boolean fabricate;
  /** Fabricate: the made-up id each (adversary, requester) pair answers as next, bounded. */
  private final Map<Long, NodeId> pending = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, NodeId> e) {
      return size() > PENDING;
    }
  };
  private final int[] adversaryNodes;
  private final boolean dropStores;
  private final boolean forge;
  private final boolean stale;
  private final int k;
  private final NodeId[] ids;
  private final InetSocketAddress[] addresses;
  private final IdIndex adversaryIndex;
  private final IdIndex allIndex;
  /** Wire form of each node's contact, built on first use. */
  private final Contact[] wireContacts;
  /** Values each adversary holds, by adversary node index (only those that were sent any). */
  private final Map<Integer, Map<NodeId, StoredValue>> held = new HashMap<>();
  private long dropped;
  private long answered;
  /** The adversaries' keys and own requests (active Sybils), or null: passive responders. */
  private Sybils sybils;

  /**
   * Create the responders.
   *
   * @param behaviours lower-case behaviour names (see class doc)
   * @param k contacts per answer
   * @param ids node id of every node (honest and adversarial)
   * @param addresses address of every node
   * @param adversaryIndex the adversaries' ids
   * @param allIndex every node's id
   */
  public Adversaries(List<String> behaviours, int k, NodeId[] ids, InetSocketAddress[] addresses,
      IdIndex adversaryIndex, IdIndex allIndex) {
    this.misroute = behaviours.contains("misroute");
    this.fabricate = behaviours.contains("fabricate");
    this.adversaryNodes = new int[adversaryIndex.size()];
    for (int i = 0; i < adversaryNodes.length; i++) adversaryNodes[i] = adversaryIndex.node(i);
    this.dropStores = behaviours.contains("drop_stores");
    this.forge = behaviours.contains("forge");
    this.stale = behaviours.contains("stale");
    this.k = k;
    this.ids = ids;
    this.addresses = addresses;
    this.adversaryIndex = adversaryIndex;
    this.allIndex = allIndex;
    this.wireContacts = new Contact[ids.length];
  }

  /**
   * Handle a datagram that {@code from} sent to adversary {@code self}; return the response to
   * send back, or null for none.
   */
  public byte[] handle(int self, int from, byte[] datagram, long wallMillis) {
    Packet p = decode(datagram);
    if (p == null) {
      dropped++;
      return null;
    }
    if (isResponse(p)) {
      if (sybils != null) sybils.onResponse(self, from, p);
      return null;
    }
    // A PING is a liveness check or a ping-back of the adversary's own id, never a fabricated one's.
    NodeId as = fabricate && p.getBodyCase() != Packet.BodyCase.PING ? pending.remove(pair(self, from)) : null;
    Packet.Builder r = Packet.newBuilder()
        .setMagic(Limits.MAGIC).setVersion(Limits.PROTOCOL_VERSION).setNetworkId(p.getNetworkId())
        .setTxid(p.getTxid()).setSenderId(ByteString.copyFrom((as != null ? as : ids[self]).toBytes()))
        .setObserved(Endpoints.toWire(addresses[from])).setToken(TOKEN);
    if (as == null && sybils != null) {
      dev.wormholes.proto.wire.KeyProof proof = sybils.prove(self, p);
      if (proof != null) r.setProof(proof);
    }
    switch (p.getBodyCase()) {
      case PING:
        r.setPong(Pong.getDefaultInstance());
        break;
      case FIND_NODE: {
        Optional<NodeId> target = NodeId.tryOf(p.getFindNode().getTarget().toByteArray());
        if (target.isEmpty()) { dropped++; return null; }
        r.setNodes(Nodes.newBuilder().addAllNodes(contactsFor(target.get(), self, from)));
        break;
      }
      case GET_VALUE: {
        Optional<NodeId> key = NodeId.tryOf(p.getGetValue().getKey().toByteArray());
        if (key.isEmpty()) { dropped++; return null; }
        ValueResponse.Builder v = ValueResponse.newBuilder().addAllNodes(contactsFor(key.get(), self, from));
        StoredValue value = valueFor(self, key.get(), wallMillis);
        if (value != null) v.setValue(value);
        r.setValueResponse(v);
        break;
      }
      case PUT_VALUE:
        keep(self, p.getPutValue().getValue());
        r.setPutAck(PutAck.getDefaultInstance());
        break;
      default:
        return null;
    }
    answered++;
    byte[] out = r.build().toByteArray();
    return out.length <= Limits.MAX_DATAGRAM ? out : null;
  }

  private static boolean isResponse(Packet p) {
    switch (p.getBodyCase()) {
      case PONG: case NODES: case VALUE_RESPONSE: case PUT_ACK: case ERROR: return true;
      default: return false;
    }
  }

  /** Let {@code s} prove adversaries' keys in their answers and receive the answers to their own requests. */
  void activate(Sybils s) {
    this.sybils = s;
  }

  private static Packet decode(byte[] datagram) {
    if (datagram.length > Limits.MAX_DATAGRAM || datagram.length == 0 || datagram[0] != Limits.FIRST_BYTE) {
      return null;
    }
    try {
      Packet p = Packet.parseFrom(datagram);
      return p.getMagic() == Limits.MAGIC && p.getVersion() == Limits.PROTOCOL_VERSION ? p : null;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private List<Contact> contactsFor(NodeId target, int self, int requester) {
    if (fabricate && adversaryNodes.length > 0) return fabricated(target, self, requester);
    int[] nodes = (misroute ? adversaryIndex : allIndex).closest(target, k + 1);
    List<Contact> out = new java.util.ArrayList<>(k);
    for (int n : nodes) {
      if (n != self && out.size() < k) out.add(wireContact(n));
    }
    return out;
  }

  // k made-up ids sharing the target's first 64 bits, each at the address of an adversary (spread
  // over all of them), remembered so that each adversary answers that requester as the id.
  private List<Contact> fabricated(NodeId target, int self, int requester) {
    List<Contact> out = new java.util.ArrayList<>(k);
    long salt = mix(target.word(1) ^ ((long) self << 32) ^ requester);
    for (int i = 0; i < k; i++) {
      int at = adversaryNodes[(int) Long.remainderUnsigned(mix(salt + i), adversaryNodes.length)];
      NodeId id = NodeId.ofWords(target.word(0), mix(salt ^ (i * 0x9E3779B97F4A7C15L)), mix(salt + 31L * i), mix(salt - i));
      pending.put(pair(at, requester), id);
      out.add(Contact.newBuilder().setId(ByteString.copyFrom(id.toBytes()))
          .setEndpoint(Endpoints.toWire(addresses[at])).build());
    }
    return out;
  }

  /** Return one long naming the pair (adversary, other node), as a map key. */
  static long pair(int adversary, int requester) {
    return ((long) adversary << 32) | (requester & 0xFFFFFFFFL);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private StoredValue valueFor(int self, NodeId key, long wallMillis) {
    Map<NodeId, StoredValue> mine = held.get(self);
    StoredValue v = mine == null ? null : mine.get(key);
    if (forge) {
      return forged(self, key, v, wallMillis);
    }
    return dropStores ? null : v;
  }

  private void keep(int self, StoredValue value) {
    if (dropStores && !stale) {
      return;
    }
    Optional<NodeId> key = DhtValues.keyOf(value);
    if (key.isEmpty()) return;
    Map<NodeId, StoredValue> mine = held.computeIfAbsent(self, s -> new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<NodeId, StoredValue> e) {
        return size() > HELD_PER_ADVERSARY;
      }
    });
    if (stale) {
      mine.putIfAbsent(key.get(), value);
    } else {
      mine.put(key.get(), value);
    }
  }

  /** A record for {@code key} that no honest validator accepts, as close to genuine as we can make it. */
  private StoredValue forged(int self, NodeId key, StoredValue seen, long wallMillis) {
    Presence.Builder p;
    ByteString sig;
    if (seen != null && seen.hasPresence()) {
      Optional<Presence> genuine = DhtValues.parsePresence(seen);
      if (genuine.isEmpty()) return null;
      p = genuine.get().toBuilder().setSeq(genuine.get().getSeq() + 1);
      sig = seen.getPresence().getSignature(); // no longer covers the bytes: BAD_SIGNATURE
    } else {
      p = Presence.newBuilder().setPublicKey(ByteString.copyFrom(ids[self].toBytes())).setSeq(1L << 40);
      sig = ByteString.copyFrom(new byte[64]); // the key does not hash to the id: KEY_MISMATCH
    }
    p.setExpiresAtMs(wallMillis + 30 * 60_000L).clearEndpoints()
        .addEndpoints(dev.wormholes.proto.wire.ReachEndpoint.newBuilder()
            .setKind(dev.wormholes.proto.wire.EndpointKind.ENDPOINT_OBSERVED)
            .setEndpoint(Endpoints.toWire(addresses[self])));
    return StoredValue.newBuilder()
        .setPresence(SignedPresence.newBuilder().setPresence(p.build().toByteString()).setSignature(sig))
        .build();
  }

  private Contact wireContact(int node) {
    Contact c = wireContacts[node];
    if (c == null) {
      c = Contact.newBuilder().setId(ByteString.copyFrom(ids[node].toBytes()))
          .setEndpoint(Endpoints.toWire(addresses[node])).build();
      wireContacts[node] = c;
    }
    return c;
  }

  /** Return how many datagrams adversaries dropped as unparseable. */
  public long dropped() {
    return dropped;
  }

  /** Return how many requests adversaries answered. */
  public long answered() {
    return answered;
  }
}
