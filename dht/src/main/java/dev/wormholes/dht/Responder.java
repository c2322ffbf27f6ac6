package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
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
 * truncated; PUT refuses outright. Values are checked with the validator before they are stored and
 * again before they are served; a held value that no longer passes (expired) is removed.
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

  Responder(DhtConfig config, ByteString selfId, RoutingTable table, ValueStore store, AddressTokens tokens,
      ValueValidator validator, WallClock wall, DhtStats stats) {
    this.config = config;
    this.selfId = selfId;
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
  byte[] respond(InetSocketAddress from, Wire.Decoded req, int requestLength) {
    Packet p = req.packet();
    // Checking the token costs up to two HMACs: only PUTs and answers larger than the request need it.
    boolean validated = p.getBodyCase() == Packet.BodyCase.PUT_VALUE && tokens.valid(from, p.getToken());
    Packet.Builder b = Wire.header(config.networkId(), p.getTxid(), selfId)
        .setObserved(Wire.endpoint(from))
        .setToken(tokens.issue(from));
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
          put(p.getPutValue(), b);
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

  private void put(PutValue put, Packet.Builder b) {
    StoredValue value = put.getValue();
    NodeId key = DhtValues.keyOf(value).orElse(null);
    long now = wall.millis();
    ValueCheck check = key == null ? ValueCheck.MALFORMED : validator.check(key, value, now);
    if (!check.ok()) {
      refuse(b, ErrorCode.ERROR_INVALID_VALUE, check.name());
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
    if (held == null && store.size() >= config.maxStoredValues()) {
      refuse(b, ErrorCode.ERROR_STORE_FULL, "store full");
      return;
    }
    // An identical value is stored again: that is how republishing keeps it alive.
    store.put(key, value, now);
    stats.valuesStored++;
    b.setPutAck(PutAck.getDefaultInstance());
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
    return false;
  }

  private static void dropContacts(int count, int excess, int contactSize, java.util.function.IntConsumer remove) {
    int n = Math.min(count, Math.max(1, (excess + contactSize + 1) / (contactSize + 2)));
    for (int i = 0; i < n; i++) remove.accept(count - 1 - i);
  }
}
