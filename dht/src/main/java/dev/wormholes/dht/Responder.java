package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.Limits;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueCheck;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.WallClock;
import dev.wormholes.proto.wire.ErrorCode;
import dev.wormholes.proto.wire.ErrorResponse;
import dev.wormholes.proto.wire.GetValue;
import dev.wormholes.proto.wire.Nodes;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.PutAck;
import dev.wormholes.proto.wire.PutValue;
import dev.wormholes.proto.wire.Pong;
import dev.wormholes.proto.wire.StoredValue;
import dev.wormholes.proto.wire.ValueResponse;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The serving side of the DHT: turns one checked request into its response bytes. Every response
 * carries the requester's observed address and a fresh token. Without a valid token in the request
 * the response is cut to at most the request's size (contacts first, then the value) and marked
 * truncated; PUT refuses outright. A request with a challenge gets a key proof (within {@link
 * DhtConfig#proofsPerSecond()}). Values are checked with the validator before they are stored and
 * again before they are served; a held value that no longer passes (expired) is removed.
 *
 * <p>A PUT of a key not held yet is stored only if this node is among the k closest to the key
 * that its table knows (Kademlia stores at the k closest; anything else is a flood), within its
 * source prefix's hourly quota ({@link DhtConfig#newValuesPerSourcePerHour()}), and, unless it is
 * a presence record, below the capacity left after {@link DhtConfig#presenceReservePercent()}. A
 * value is stored at the time its publisher stored it ({@code PutValue.age_ms} before now): a
 * holder's re-put of a value this node holds already changes nothing, so replication never makes
 * a value live longer; only the publisher's own re-put (age 0) renews it.
 */
final class Responder {
  private final DhtConfig config;
  private final ByteString selfId;
  private final RoutingTable table;
  private final ValueStore store;
  private final AddressTokens tokens;
  private final ValueValidator validator;
  private final WallClock wall;
  private final DhtStats stats;
  private final Identity self;
  private final NodeId selfNodeId;
  private final AddressTables.RateLimiter sourceQuota;
  // The second the proof budget counts, and the proofs signed in it.
  private long proofSecond = -1;
  private int proofsThisSecond;

  Responder(DhtConfig config, Identity self, RoutingTable table, ValueStore store, AddressTokens tokens,
      ValueValidator validator, WallClock wall, DhtStats stats) {
    this.config = config;
    this.self = self;
    this.selfNodeId = self.id();
    this.selfId = ByteString.copyFrom(selfNodeId.toBytes());
    this.sourceQuota = new AddressTables.RateLimiter(config.rateLimiterSlots(), config.newValuesPerSourcePerHour(),
        60 * 60_000L);
    this.table = table;
    this.store = store;
    this.tokens = tokens;
    this.validator = validator;
    this.wall = wall;
    this.stats = stats;
  }

  /**
   * Return the response to {@code req} from {@code from}, or null if none may be sent (an
   * unvalidated request too small for even an empty answer).
   */
  byte[] respond(InetSocketAddress from, Wire.Decoded req, int requestLength, long now) {
    Packet p = req.packet();
    // Checking the token costs up to two HMACs: only PUTs and answers larger than the request need it.
    boolean validated = p.getBodyCase() == Packet.BodyCase.PUT_VALUE && tokens.valid(from, p.getToken());
    Packet.Builder b = Wire.header(config.networkId(), p.getTxid(), selfId)
        .setObserved(Wire.endpoint(from))
        .setToken(tokens.issue(from));
    if (!p.getChallenge().isEmpty()) prove(b, p.getChallenge(), req.sender(), now);
    switch (p.getBodyCase()) {
      case PING:
        b.setPong(Pong.getDefaultInstance());
        break;
      case FIND_NODE:
        b.setNodes(Nodes.newBuilder().addAllNodes(Wire.contactsOf(
            closestExcept(NodeId.of(p.getFindNode().getTarget().toByteArray()), req.sender()))));
        break;
      case GET_VALUE:
        b.setValueResponse(valueResponse(p.getGetValue(), req.sender()));
        break;
      case PUT_VALUE:
        if (validated) {
          put(p.getPutValue(), from, b, now);
        } else {
          stats.putsRefused++;
          error(b, ErrorCode.ERROR_BAD_TOKEN, "bad token");
        }
        break;
      default:
        throw new IllegalArgumentException("not a request: " + p.getBodyCase());
    }
    byte[] bytes = b.build().toByteArray();
    if (bytes.length <= requestLength || validated || tokens.valid(from, p.getToken())) {
      return bytes.length <= Limits.MAX_DATAGRAM ? bytes : fit(b, bytes, Limits.MAX_DATAGRAM, false);
    }
    return fit(b, bytes, Math.min(requestLength, Limits.MAX_DATAGRAM), true);
  }


  private void prove(Packet.Builder b, ByteString challenge, NodeId requester, long now) {
    long second = now / 1000;
    if (second != proofSecond) {
      proofSecond = second;
      proofsThisSecond = 0;
    }
    if (proofsThisSecond >= config.proofsPerSecond()) {
      stats.proofsUnsigned++;
      return;
    }
    proofsThisSecond++;
    stats.proofsSigned++;
    b.setProof(KeyProofs.prove(self, config.networkId(), challenge, requester));
  }

  private List<Contact> closestExcept(NodeId target, NodeId requester) {
    List<Contact> cs = table.closest(target, config.k() + 1);
    cs.removeIf(c -> c.id().equals(requester));
    return cs.size() > config.k() ? cs.subList(0, config.k()) : cs;
  }

  private ValueResponse valueResponse(GetValue get, NodeId requester) {
    NodeId key = NodeId.of(get.getKey().toByteArray());
    ValueResponse.Builder vr = ValueResponse.newBuilder().addAllNodes(Wire.contactsOf(closestExcept(key, requester)));
    StoredValue held = servable(key);
    if (held != null && Long.compareUnsigned(DhtValues.seq(held), get.getMinSeq()) >= 0) {
      vr.setValue(held);
    }
    return vr.build();
  }

  /** Return the value held under {@code key} if it still passes the validator; drop it otherwise. */
  StoredValue servable(NodeId key) {
    StoredValue held = store.get(key);
    if (held == null) return null;
    if (!validator.check(key, held, wall.millis()).ok()) {
      store.remove(key);
      stats.valuesExpired++;
      return null;
    }
    return held;
  }

  private void put(PutValue put, InetSocketAddress from, Packet.Builder b, long nowMs) {
    StoredValue value = put.getValue();
    NodeId key = DhtValues.keyOf(value).orElse(null);
    long now = wall.millis();
    ValueCheck check = key == null ? ValueCheck.MALFORMED : validator.check(key, value, now);
    if (!check.ok()) {
      refuse(b, ErrorCode.ERROR_INVALID_VALUE, check.name());
      return;
    }
    if (Long.compareUnsigned(put.getAgeMs(), config.valueTtlMs()) >= 0) {
      refuse(b, ErrorCode.ERROR_STALE, "older than its lifetime");
      return;
    }
    StoredValue held = store.get(key);
    if (held != null && !held.equals(value)) {
      if (put.getCas() != 0 && DhtValues.seq(held) != put.getCas()) {
        refuse(b, ErrorCode.ERROR_CAS_MISMATCH, "cas mismatch");
        return;
      }
      if (!DhtValues.supersedes(value, held)) {
        refuse(b, ErrorCode.ERROR_STALE, "stale");
        return;
      }
    }
    if (held == null && !admitNew(value, key, from, b, nowMs)) return;
    // A holder's re-put of what we hold keeps its time: replication never renews a value. The
    // publisher's re-put (age 0) does, and so does a newer seq.
    if (held == null || !held.equals(value) || put.getAgeMs() == 0) {
      store.put(key, value, now - put.getAgeMs());
      stats.valuesStored++;
    }
    b.setPutAck(PutAck.getDefaultInstance());
  }

  // The checks on a key not held yet: closeness, the source's quota, capacity and the presence reserve.
  private boolean admitNew(StoredValue value, NodeId key, InetSocketAddress from, Packet.Builder b, long nowMs) {
    if (!amongClosest(key)) {
      stats.putsNotClose++;
      refuse(b, ErrorCode.ERROR_BAD_REQUEST, "not close to key");
      return false;
    }
    int max = config.maxStoredValues();
    int limit = value.hasPresence() ? max : max - (int) ((long) max * config.presenceReservePercent() / 100);
    if (store.size() >= limit) {
      refuse(b, ErrorCode.ERROR_STORE_FULL, "store full");
      return false;
    }
    if (!sourceQuota.allow(AddressTables.prefixHash(from), nowMs)) {
      stats.putsOverQuota++;
      refuse(b, ErrorCode.ERROR_RATE_LIMITED, "quota");
      return false;
    }
    return true;
  }

  /** Return whether fewer than k contacts of our table are closer to {@code key} than we are. */
  boolean amongClosest(NodeId key) {
    List<Contact> closest = table.closest(key, config.k());
    return closest.size() < config.k() || key.compareDistance(selfNodeId, closest.get(closest.size() - 1).id()) < 0;
  }

  private void refuse(Packet.Builder b, ErrorCode code, String message) {
    stats.putsRefused++;
    error(b, code, message);
  }

  private static void error(Packet.Builder b, ErrorCode code, String message) {
    b.setError(ErrorResponse.newBuilder().setCode(code).setMessage(message));
  }

  /**
   * Serialize {@code b}, cutting contacts (farthest first) and then the value until it fits in
   * {@code limit} bytes; mark it truncated if anything was cut for anti-amplification. Return null
   * if even the bare response does not fit.
   */
  private byte[] fit(Packet.Builder b, byte[] bytes, int limit, boolean amplificationLimit) {
    boolean cut = false;
    while (bytes.length > limit) {
      if (!cutOne(b, bytes.length - limit)) {
        stats.drop(DropReason.TOO_SMALL_TO_ANSWER);
        return null;
      }
      if (!cut && amplificationLimit) {
        cut = true;
        b.setTruncated(true);
      }
      bytes = b.build().toByteArray();
    }
    if (cut) stats.truncatedResponsesSent++;
    return bytes;
  }

  // Remove enough trailing contacts to save about `excess` bytes, else the value; false if nothing left.
  private static boolean cutOne(Packet.Builder b, int excess) {
    if (b.hasNodes() && b.getNodes().getNodesCount() > 0) {
      Nodes.Builder n = b.getNodesBuilder();
      dropContacts(n.getNodesCount(), excess, n.getNodes(n.getNodesCount() - 1).getSerializedSize(), n::removeNodes);
      return true;
    }
    if (b.hasValueResponse()) {
      ValueResponse.Builder v = b.getValueResponseBuilder();
      if (v.getNodesCount() > 0) {
        dropContacts(v.getNodesCount(), excess, v.getNodes(v.getNodesCount() - 1).getSerializedSize(), v::removeNodes);
        return true;
      }
      if (v.hasValue()) {
        v.clearValue();
        return true;
      }
    }
    if (b.hasProof()) {
      b.clearProof(); // an answer without a proof still gives the requester a token
      return true;
    }
    return false;
  }

  private static void dropContacts(int count, int excess, int contactSize, java.util.function.IntConsumer remove) {
    int n = Math.min(count, Math.max(1, (excess + contactSize + 1) / (contactSize + 2)));
    for (int i = 0; i < n; i++) remove.accept(count - 1 - i);
  }
}
