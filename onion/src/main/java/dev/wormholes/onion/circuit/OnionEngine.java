package dev.wormholes.onion.circuit;

import dev.wormholes.onion.cell.CellCommand;
import dev.wormholes.onion.cell.CellDecodeResult;
import dev.wormholes.onion.cell.ChannelCell;
import dev.wormholes.onion.cell.ChannelCellCodec;
import dev.wormholes.onion.cell.RelayMessage;
import dev.wormholes.onion.cell.RelayMessageCodec;
import dev.wormholes.onion.circuit.OnionEvent.CloseReason;
import dev.wormholes.onion.crypto.Cgo;
import dev.wormholes.onion.crypto.ClientCircuitCrypto;
import dev.wormholes.onion.crypto.RelayCrypto;
import dev.wormholes.onion.handshake.Extensions;
import dev.wormholes.onion.handshake.HandshakeResult;
import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One node's onion circuits, sans I/O: it originates circuits, relays them and ends them. It never
 * touches a socket, a clock or a thread: time arrives as {@code now} (monotonic ms), randomness
 * (handshake scalars, circuit ids) from the {@link RandomGenerator} it is handed. Neighbours are
 * node ids; the driver maps each to its link.
 *
 * <p><b>Driving it.</b> Feed it inputs: {@link #handleCell} for each cell a neighbour sent, {@link
 * #handleTimeout} when {@code now >= pollTimeout()}, and commands ({@link #buildCircuit}, {@link
 * #send}, {@link #close}). After <em>every</em> input drain the outputs in this order: {@link
 * #pollTransmit()} until null, {@link #pollEvent()} until null, then read {@link #pollTimeout()} to
 * re-arm the timer. Not thread-safe: one thread drives an engine.
 *
 * <p><b>Protocol.</b> Cells are {@link ChannelCellCodec} cells. The originator sends CREATE2 (an
 * ntor-v3 onionskin, {@link #HTYPE_NTOR_V3}) to hop 0 and gets CREATED2; every later hop is
 * reached by an EXTEND2 relay message (next node id, onionskin) in a RELAY_EARLY cell to the
 * previous hop, which sends CREATE2 on and answers EXTENDED2 with the reply. A relay accepts at
 * most {@link OnionConfig#maxExtends} RELAY_EARLY cells per circuit and EXTEND2 only in one. Each
 * hop's Counter Galois Onion layer is keyed from its handshake; a relay cell nobody recognises (the
 * last relay outbound, the originator inbound) destroys the circuit both ways, and DESTROY travels
 * both ways too. On each link the node with the smaller id picks circuit ids with the top bit clear,
 * the other with it set, so the two ends never collide.
 *
 * <p><b>Limits.</b> Every peer is hostile: bad cells are dropped and counted by {@link Refusal} in
 * {@link #stats()}, never thrown. A CREATE2 is admitted ({@link CreateQueue}) only within its
 * neighbour's token bucket, the per-neighbour and total circuit caps, and the handshake queue's
 * size; the queue is served
 * at most {@link OnionConfig#handshakesPerTick} per tick in {@link #handleTimeout}, and a CREATE2
 * that waited longer than {@link OnionConfig#maxCreateDelayMs} is dropped unanswered. Creates
 * refused by a limit get no answer (the client times out), so a flood gets nothing back; one whose
 * handshake fails is answered with DESTROY. Each circuit's queue
 * of cells awaiting {@link #pollTransmit} holds at most {@link OnionConfig#maxQueueCells}; beyond
 * it the oldest is evicted (which, CGO chaining every cell to the previous one, ends the circuit
 * at the next hop).
 */
public final class OnionEngine {
  /** The CREATE2 handshake type of ntor-v3 (tor-spec). */
  public static final int HTYPE_NTOR_V3 = 3;
  /** Relay command: application data. */
  public static final int RELAY_DATA = 2;
  /** Relay command: extend to the next hop (node id 32 | HLEN 2 | onionskin). */
  public static final int RELAY_EXTEND2 = 14;
  /** Relay command: the next hop's reply (HLEN 2 | reply). */
  public static final int RELAY_EXTENDED2 = 15;
  /** The ntor-v3 verification string of this protocol. */
  static final byte[] VERIFICATION = "wormholes onion circuit v1".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] CGO_EXTENSIONS = Extensions.cgo();
  private static final int ID_TRIES = 64;

  /** One leg of a circuit: the neighbour and the circuit id on the link to it. */
  record Link(NodeId neighbour, long id) {}

  private final byte[] identityKey;
  private final NodeId self;
  private final List<NtorV3.OnionKeyPair> onionKeys;
  private final OnionConfig config;
  private final RandomGenerator random;

  private final Map<Link, Circuit> legs = new HashMap<>();
  private final Map<Long, Circuit> byHandle = new HashMap<>();
  // Circuits waiting for a handshake answer by a deadline: builds from here and extends relayed.
  private final Map<Long, Circuit> building = new LinkedHashMap<>();
  private final CreateQueue creates;
  private final ArrayDeque<OnionTransmit> control = new ArrayDeque<>();
  private final ArrayDeque<Circuit> active = new ArrayDeque<>();
  private final ArrayDeque<OnionEvent> events = new ArrayDeque<>();
  private final EnumMap<Refusal, Long> refusals = new EnumMap<>(Refusal.class);
  private long nextHandle = 1;
  private long lastNow = Long.MIN_VALUE;
  private int queuedCells;
  private long handshakes;

  /**
   * Make an engine.
   *
   * @param identityKey this node's Ed25519 public key (its node id is SHA-256 of it)
   * @param onionKeys this node's onion key pairs (current first, then the previous during overlap)
   * @param config the limits
   * @param random the source of handshake scalars and circuit ids (a CSPRNG in a real node)
   */
  public OnionEngine(byte[] identityKey, List<NtorV3.OnionKeyPair> onionKeys, OnionConfig config,
      RandomGenerator random) {
    this.identityKey = identityKey.clone();
    this.self = Identity.idOf(identityKey);
    this.onionKeys = List.copyOf(onionKeys);
    this.config = config;
    this.random = random;
    this.creates = new CreateQueue(config);
  }

  /** Return this node's id. */
  public NodeId self() {
    return self;
  }

  // Commands

  /**
   * Start building a circuit through {@code path} (1 to 8 hops, hop 0 a neighbour); return its
   * handle. A {@link OnionEvent.CircuitBuilt} or {@link OnionEvent.CircuitFailed} follows.
   */
  public long buildCircuit(List<Hop> path, long now) {
    if (path.isEmpty() || path.size() > ClientCircuitCrypto.MAX_HOPS) {
      throw new IllegalArgumentException("a circuit has 1 to " + ClientCircuitCrypto.MAX_HOPS + " hops");
    }
    see(now);
    long handle = nextHandle++;
    NodeId first = path.get(0).node();
    long id = allocateId(first);
    Circuit c = new Circuit(handle, null);
    c.path = List.copyOf(path);
    c.crypto = new ClientCircuitCrypto();
    c.startedAt = now;
    c.deadline = now + config.buildTimeoutMs();
    if (id == 0 || first.equals(self)) {
      events.add(new OnionEvent.CircuitFailed(handle, CloseReason.PROTOCOL, 0));
      return handle;
    }
    c.next = new Link(first, id);
    byHandle.put(handle, c);
    building.put(handle, c);
    legs.put(c.next, c);
    byte[] onionskin = startHandshake(c, 0);
    if (onionskin != null) {
      byte[] payload = new byte[ChannelCellCodec.PAYLOAD_BYTES];
      putU16(payload, 0, HTYPE_NTOR_V3);
      putU16(payload, 2, onionskin.length);
      System.arraycopy(onionskin, 0, payload, 4, onionskin.length);
      enqueue(c, c.next, CellCommand.CREATE2, payload);
    }
    return handle;
  }

  /**
   * Send {@code data} on a circuit this node is an end of (a built circuit it originated, to the
   * last hop, or one that delivered data here, back to the originator), in as many DATA messages
   * on stream 0 as it takes; return false if there is no such circuit.
   */
  public boolean send(long circuit, byte[] data) {
    if (!canSend(circuit)) {
      return false;
    }
    int off = 0;
    do {
      int n = Math.min(RelayMessageCodec.MAX_DATA, data.length - off);
      send(circuit, new RelayMessage(RELAY_DATA, 0, Arrays.copyOfRange(data, off, off + n)));
      off += n;
    } while (off < data.length);
    return true;
  }

  /**
   * Send one relay message on a circuit this node is an end of (as {@link #send(long, byte[])});
   * return false if there is no such circuit. The engine's own commands (EXTEND2, EXTENDED2) are
   * refused with an {@link IllegalArgumentException}: they are not the caller's to send.
   */
  public boolean send(long circuit, RelayMessage message) {
    return sendTagged(circuit, message) != null;
  }

  /**
   * Send one relay message as {@link #send(long, RelayMessage)}; return the cell's authenticator
   * (the far end's {@link OnionEvent.Data#tag}), or null if there is no such circuit.
   */
  public byte[] sendTagged(long circuit, RelayMessage message) {
    if (message.command() == RELAY_EXTEND2 || message.command() == RELAY_EXTENDED2) {
      throw new IllegalArgumentException("EXTEND2 and EXTENDED2 belong to the engine");
    }
    if (!canSend(circuit)) {
      return null;
    }
    Circuit c = byHandle.get(circuit);
    byte[] body = new byte[RelayCrypto.BODY_BYTES];
    RelayMessageCodec.encode(message, body);
    byte[] tag;
    if (c.prev == null) {
      c.crypto.originate(c.crypto.hops() - 1, CellCommand.RELAY.code(), body);
      tag = c.crypto.lastTag();
      enqueue(c, c.next, CellCommand.RELAY, body);
    } else {
      c.layer.inbound().originate(CellCommand.RELAY.code(), body);
      tag = Arrays.copyOf(body, ClientCircuitCrypto.TAG_BYTES);
      enqueue(c, c.prev, CellCommand.RELAY, body);
    }
    return tag;
  }

  private boolean canSend(long circuit) {
    Circuit c = byHandle.get(circuit);
    return c != null && (c.prev != null || c.built);
  }

  /**
   * Join two circuits that end here (this node their last relay, as a rendezvous point): from now
   * on a cell arriving on one that this node's layer does not recognise goes on along the other
   * towards its originator, with this node's inbound layer of that circuit added (as a middle relay
   * adds it); a cell this node recognises on either is a protocol break, and when one ends so does
   * the other. Return false (nothing changed) unless both are such circuits and neither is joined.
   */
  public boolean splice(long a, long b) {
    Circuit x = byHandle.get(a);
    Circuit y = byHandle.get(b);
    if (x == null || y == null || x == y || !spliceable(x) || !spliceable(y)) {
      return false;
    }
    x.spliced = y;
    y.spliced = x;
    return true;
  }

  private static boolean spliceable(Circuit c) {
    return c.prev != null && c.next == null && !c.nextPending && c.spliced == null;
  }

  /**
   * Add an end-to-end layer after the last hop of a built circuit this node originated (a
   * rendezvous circuit: the layer is shared with the far end of the circuit the last hop spliced it
   * to); {@link #send} then addresses that layer, and a cell recognised by any nearer hop closes the
   * circuit. Return false unless the circuit is built here, has no such layer yet and has room.
   */
  public boolean addEndToEnd(long circuit, RelayCrypto.ClientLayer layer) {
    Circuit c = byHandle.get(circuit);
    if (c == null || c.prev != null || !c.built || c.endToEnd
        || c.crypto.hops() >= ClientCircuitCrypto.MAX_HOPS) {
      return false;
    }
    c.crypto.addHop(layer);
    c.endToEnd = true;
    return true;
  }

  /** Tear down a circuit this node holds (DESTROY both ways); return false if there is none. */
  public boolean close(long circuit) {
    Circuit c = byHandle.get(circuit);
    if (c == null) {
      return false;
    }
    teardown(c, CloseReason.REQUESTED, null);
    return true;
  }

  // Inputs

  /**
   * The driver lost its link to {@code neighbour}: tear down every circuit with a leg to it (DESTROY
   * on the other legs, {@link CloseReason#LINK_LOST} to this node's driver) and forget its queued
   * creates. Return how many circuits ended.
   */
  public int handleLinkDown(NodeId neighbour, long now) {
    see(now);
    creates.linkDown(neighbour);
    List<Map.Entry<Link, Circuit>> gone = new ArrayList<>();
    for (Map.Entry<Link, Circuit> e : legs.entrySet()) {
      if (e.getKey().neighbour().equals(neighbour)) {
        gone.add(e);
      }
    }
    for (Map.Entry<Link, Circuit> e : gone) {
      teardown(e.getValue(), CloseReason.LINK_LOST, e.getKey());
    }
    return gone.size();
  }

  /** Take one cell the neighbour {@code from} sent. Never throws on its bytes. */
  public void handleCell(NodeId from, byte[] bytes, long now) {
    see(now);
    CellDecodeResult<ChannelCell> decoded = ChannelCellCodec.decode(bytes, 0, bytes.length);
    if (decoded instanceof CellDecodeResult.Dropped<ChannelCell> d) {
      count(switch (d.reason()) {
        case ZERO_CIRCUIT_ID -> Refusal.ZERO_CIRCUIT_ID;
        default -> Refusal.WRONG_CELL_SIZE;
      });
      return;
    }
    ChannelCell cell = ((CellDecodeResult.Ok<ChannelCell>) decoded).value();
    Link link = new Link(from, cell.circuitId());
    int cmd = cell.command().code();
    if (cmd == CellCommand.CREATE2.code()) {
      onCreate(link, cell.payload(), now);
    } else if (cmd == CellCommand.CREATED2.code()) {
      onCreated(link, cell.payload(), now);
    } else if (cmd == CellCommand.RELAY.code() || cmd == CellCommand.RELAY_EARLY.code()) {
      onRelay(link, cmd, cell.payload(), now);
    } else if (cmd == CellCommand.DESTROY.code()) {
      onDestroy(link);
    } else if (cmd != CellCommand.PADDING.code()) {
      count(Refusal.UNKNOWN_COMMAND);
    }
  }

  /**
   * Serve queued handshakes within the tick's budget; tear down builds, and extends this node
   * relays, that got no answer within {@link OnionConfig#buildTimeoutMs}.
   */
  public void handleTimeout(long now) {
    see(now);
    for (CreateQueue.Pending p; (p = creates.next(now, refusals)) != null; ) {
      serve(p);
    }
    List<Circuit> late = new ArrayList<>();
    for (Circuit c : building.values()) {
      if (c.deadline <= now) {
        late.add(c);
      }
    }
    for (Circuit c : late) {
      teardown(c, CloseReason.TIMEOUT, null);
    }
    creates.forgetFull(now);
  }

  // Outputs

  /** Return the next cell to send, or null when none: control cells first, then circuits in turn. */
  public OnionTransmit pollTransmit() {
    OnionTransmit t = control.poll();
    if (t != null) {
      return t;
    }
    Circuit c;
    while ((c = active.poll()) != null) {
      if (c.dead || c.queue.isEmpty()) {
        c.active = false;
        continue;
      }
      t = c.queue.poll();
      queuedCells--;
      if (c.queue.isEmpty()) {
        c.active = false;
      } else {
        active.add(c);
      }
      return t;
    }
    return null;
  }

  /** Return the next event, or null when none. */
  public OnionEvent pollEvent() {
    return events.poll();
  }

  /** Return the earliest time {@link #handleTimeout} must be called, or Long.MAX_VALUE. */
  public long pollTimeout() {
    long t = creates.timeout(lastNow);
    for (Circuit c : building.values()) {
      t = Math.min(t, c.deadline);
    }
    return t;
  }

  /** Return the counters and state sizes. */
  public OnionStats stats() {
    return new OnionStats(refusals, byHandle.size(), creates.size(), queuedCells, handshakes);
  }

  // Cell handling

  private void onCreate(Link link, byte[] payload, long now) {
    if (legs.containsKey(link) || creates.holds(link)) {
      count(Refusal.CIRCUIT_ID_IN_USE);
      return;
    }
    if (((link.id() & 0x8000_0000L) != 0) != (link.neighbour().compareTo(self) > 0)) {
      count(Refusal.WRONG_ID_HALF);
      return;
    }
    Refusal refused = creates.admit(link, payload, byHandle.size(), now);
    if (refused != null) {
      count(refused);
    }
  }

  private void serve(CreateQueue.Pending p) {
    HandshakeResult<NtorV3.ServerAccept> accepted =
        NtorV3.serverAccept(identityKey, onionKeys, p.onionskin(), VERIFICATION);
    if (!(accepted instanceof HandshakeResult.Ok<NtorV3.ServerAccept> ok) || !Extensions.choosesCgo(ok.value().clientMessage())) {
      count(Refusal.HANDSHAKE_FAILED);
      creates.release(p.link().neighbour());
      control.add(destroyCell(p.link()));
      return;
    }
    byte[] y = new byte[NtorV3.KEY_BYTES];
    random.nextBytes(y);
    HandshakeResult<NtorV3.ServerReply> replied =
        NtorV3.serverReply(ok.value().state(), y, CGO_EXTENSIONS, VERIFICATION);
    if (!(replied instanceof HandshakeResult.Ok<NtorV3.ServerReply> r)) {
      count(Refusal.HANDSHAKE_FAILED);
      creates.release(p.link().neighbour());
      control.add(destroyCell(p.link()));
      return;
    }
    handshakes++;
    Circuit c = new Circuit(nextHandle++, p.link());
    c.layer = Cgo.SCHEME.relay(r.value().keys().take(Cgo.SCHEME.seedBytes()));
    legs.put(p.link(), c);
    byHandle.put(c.handle, c);
    byte[] reply = r.value().reply();
    byte[] payload = new byte[ChannelCellCodec.PAYLOAD_BYTES];
    putU16(payload, 0, reply.length);
    System.arraycopy(reply, 0, payload, 2, reply.length);
    enqueue(c, c.prev, CellCommand.CREATED2, payload);
  }

  private void onCreated(Link link, byte[] payload, long now) {
    Circuit c = legs.get(link);
    if (c == null) {
      count(Refusal.UNKNOWN_CIRCUIT);
      return;
    }
    int hlen = u16(payload, 0);
    boolean originWaiting = c.prev == null && c.crypto.hops() == 0 && c.handshake != null;
    boolean relayWaiting = c.prev != null && c.nextPending && link.equals(c.next);
    if (hlen > payload.length - 2 || !(originWaiting || relayWaiting)) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    byte[] reply = Arrays.copyOfRange(payload, 2, 2 + hlen);
    if (originWaiting) {
      finishHop(c, reply, now);
      return;
    }
    c.nextPending = false;
    building.remove(c.handle);
    byte[] data = new byte[2 + reply.length];
    putU16(data, 0, reply.length);
    System.arraycopy(reply, 0, data, 2, reply.length);
    byte[] body = new byte[RelayCrypto.BODY_BYTES];
    RelayMessageCodec.encode(new RelayMessage(RELAY_EXTENDED2, 0, data), body);
    c.layer.inbound().originate(CellCommand.RELAY.code(), body);
    enqueue(c, c.prev, CellCommand.RELAY, body);
  }

  private void onRelay(Link link, int cmd, byte[] body, long now) {
    Circuit c = legs.get(link);
    if (c == null) {
      count(Refusal.UNKNOWN_CIRCUIT);
      return;
    }
    if (c.prev == null) {
      fromFirstHop(c, cmd, body, now);
    } else if (link.equals(c.prev)) {
      fromPrevious(c, cmd, body, now);
    } else if (c.nextPending || cmd != CellCommand.RELAY.code()) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
    } else {
      c.layer.inbound().encryptInbound(cmd, body);
      enqueue(c, c.prev, CellCommand.RELAY, body);
    }
  }

  private void fromFirstHop(Circuit c, int cmd, byte[] body, long now) {
    if (c.crypto.hops() == 0 || cmd != CellCommand.RELAY.code()) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    int hop = c.crypto.recognise(cmd, body);
    if (hop < 0) {
      count(Refusal.TAMPERED);
      teardown(c, CloseReason.TAMPERED, null);
      return;
    }
    if (c.endToEnd && hop != c.crypto.hops() - 1) {
      count(Refusal.UNEXPECTED_CELL); // a hop before the rendezvous point's join speaks on its own
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    RelayMessage m = message(c, body);
    if (m == null) {
      return;
    }
    if (c.built && m.command() != RELAY_EXTEND2 && m.command() != RELAY_EXTENDED2) {
      events.add(new OnionEvent.Data(c.handle, hop, m.command(), m.streamId(), m.data(), c.crypto.lastTag(),
          c.next.neighbour()));
    } else if (m.command() == RELAY_EXTENDED2 && !c.built && hop == c.crypto.hops() - 1
        && m.data().length >= 2 && u16(m.data(), 0) == m.data().length - 2) {
      finishHop(c, Arrays.copyOfRange(m.data(), 2, m.data().length), now);
    } else {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
    }
  }

  private void fromPrevious(Circuit c, int cmd, byte[] body, long now) {
    boolean early = cmd == CellCommand.RELAY_EARLY.code();
    if (early && ++c.earlyCells > config.maxExtends()) {
      count(Refusal.EXTEND_LIMIT);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    byte[] tag = Arrays.copyOf(body, ClientCircuitCrypto.TAG_BYTES);
    boolean recognised = c.layer.outbound().decryptOutbound(cmd, body);
    if (c.spliced != null) {
      toSpliced(c, cmd, recognised, body);
      return;
    }
    if (!recognised) {
      if (c.next != null && !c.nextPending) {
        enqueue(c, c.next, new CellCommand(cmd), body);
      } else {
        count(Refusal.TAMPERED);
        teardown(c, CloseReason.TAMPERED, null);
      }
      return;
    }
    RelayMessage m = message(c, body);
    if (m == null) {
      return;
    }
    if (m.command() == RELAY_EXTEND2) {
      extend(c, early, m.data(), now);
    } else if (m.command() == RELAY_EXTENDED2) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
    } else {
      c.surfaced = true;
      events.add(new OnionEvent.Data(c.handle, -1, m.command(), m.streamId(), m.data(), tag, c.prev.neighbour()));
    }
  }

  private void toSpliced(Circuit c, int cmd, boolean recognised, byte[] body) {
    if (recognised || cmd != CellCommand.RELAY.code()) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    Circuit o = c.spliced;
    o.layer.inbound().encryptInbound(cmd, body);
    enqueue(o, o.prev, CellCommand.RELAY, body);
  }

  private void extend(Circuit c, boolean early, byte[] data, long now) {
    if (!early) {
      count(Refusal.EXTEND_LIMIT);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    if (c.next != null || data.length < NodeId.BYTES + 2
        || u16(data, NodeId.BYTES) != data.length - NodeId.BYTES - 2) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    NodeId target = NodeId.of(Arrays.copyOfRange(data, 0, NodeId.BYTES));
    long id = allocateId(target);
    if (target.equals(self) || target.equals(c.prev.neighbour()) || id == 0) {
      count(Refusal.UNEXPECTED_CELL);
      teardown(c, CloseReason.PROTOCOL, null);
      return;
    }
    c.next = new Link(target, id);
    c.nextPending = true;
    c.deadline = now + config.buildTimeoutMs();
    building.put(c.handle, c);
    legs.put(c.next, c);
    byte[] payload = new byte[ChannelCellCodec.PAYLOAD_BYTES];
    putU16(payload, 0, HTYPE_NTOR_V3);
    System.arraycopy(data, NodeId.BYTES, payload, 2, data.length - NodeId.BYTES);
    enqueue(c, c.next, CellCommand.CREATE2, payload);
  }

  private void onDestroy(Link link) {
    if (creates.cancel(link)) {
      return;
    }
    Circuit c = legs.get(link);
    if (c == null) {
      count(Refusal.UNKNOWN_CIRCUIT);
      return;
    }
    teardown(c, CloseReason.DESTROYED, link);
  }

  // Originator handshakes

  /** Start the handshake with hop {@code i}; return the onionskin, or null after tearing down. */
  private byte[] startHandshake(Circuit c, int i) {
    byte[] x = new byte[NtorV3.KEY_BYTES];
    random.nextBytes(x);
    HandshakeResult<NtorV3.ClientStart> start =
        NtorV3.clientStart(c.path.get(i).relayKeys(), x, VERIFICATION, CGO_EXTENSIONS);
    if (!(start instanceof HandshakeResult.Ok<NtorV3.ClientStart> ok)) {
      teardown(c, CloseReason.HANDSHAKE_FAILED, null);
      return null;
    }
    c.handshake = ok.value().state();
    return ok.value().onionskin();
  }

  private void finishHop(Circuit c, byte[] reply, long now) {
    HandshakeResult<NtorV3.ClientDone> done = NtorV3.clientFinish(c.handshake, reply, VERIFICATION);
    if (!(done instanceof HandshakeResult.Ok<NtorV3.ClientDone> ok) || !Extensions.choosesCgo(ok.value().serverMessage())) {
      count(Refusal.HANDSHAKE_FAILED);
      teardown(c, CloseReason.HANDSHAKE_FAILED, null);
      return;
    }
    c.handshake = null;
    c.crypto.addHop(Cgo.SCHEME.client(ok.value().keys().take(Cgo.SCHEME.seedBytes())));
    int hops = c.crypto.hops();
    if (hops == c.path.size()) {
      c.built = true;
      building.remove(c.handle);
      events.add(new OnionEvent.CircuitBuilt(c.handle, c.path.stream().map(Hop::node).toList(), now - c.startedAt));
      return;
    }
    byte[] onionskin = startHandshake(c, hops);
    if (onionskin == null) {
      return;
    }
    byte[] data = new byte[NodeId.BYTES + 2 + onionskin.length];
    System.arraycopy(c.path.get(hops).node().toBytes(), 0, data, 0, NodeId.BYTES);
    putU16(data, NodeId.BYTES, onionskin.length);
    System.arraycopy(onionskin, 0, data, NodeId.BYTES + 2, onionskin.length);
    byte[] body = new byte[RelayCrypto.BODY_BYTES];
    RelayMessageCodec.encode(new RelayMessage(RELAY_EXTEND2, 0, data), body);
    c.crypto.originate(hops - 1, CellCommand.RELAY_EARLY.code(), body);
    enqueue(c, c.next, CellCommand.RELAY_EARLY, body);
  }

  // State

  /** Return the decoded message of a recognised body, or null after counting and tearing down. */
  private RelayMessage message(Circuit c, byte[] body) {
    if (RelayMessageCodec.decode(body) instanceof CellDecodeResult.Ok<RelayMessage> ok) {
      return ok.value();
    }
    count(Refusal.MALFORMED_MESSAGE);
    teardown(c, CloseReason.PROTOCOL, null);
    return null;
  }

  /** Forget {@code c}, DESTROY every leg but {@code except}, and tell the driver if it knew it. */
  private void teardown(Circuit c, CloseReason reason, Link except) {
    if (c.dead) {
      return;
    }
    c.dead = true;
    Circuit joined = c.spliced;
    if (joined != null) {
      c.spliced = null;
      joined.spliced = null;
      teardown(joined, reason, null);
    }
    queuedCells -= c.queue.size();
    c.queue.clear();
    byHandle.remove(c.handle);
    building.remove(c.handle);
    for (Link leg : new Link[] {c.prev, c.next}) {
      if (leg != null) {
        legs.remove(leg);
        if (!leg.equals(except)) {
          control.add(destroyCell(leg));
        }
      }
    }
    if (c.prev != null) {
      creates.release(c.prev.neighbour());
      if (c.surfaced) {
        events.add(new OnionEvent.CircuitClosed(c.handle, reason));
      }
    } else if (c.built) {
      events.add(new OnionEvent.CircuitClosed(c.handle, reason));
    } else {
      events.add(new OnionEvent.CircuitFailed(c.handle, reason, c.crypto.hops()));
    }
  }

  private void enqueue(Circuit c, Link to, CellCommand cmd, byte[] payload) {
    if (c.dead) {
      return;
    }
    c.queue.add(new OnionTransmit(to.neighbour(),
        ChannelCellCodec.encode(new ChannelCell(to.id(), cmd, payload))));
    queuedCells++;
    if (c.queue.size() > config.maxQueueCells()) {
      c.queue.poll();
      queuedCells--;
      count(Refusal.QUEUE_EVICTED);
    }
    if (!c.active) {
      c.active = true;
      active.add(c);
    }
  }

  private static OnionTransmit destroyCell(Link leg) {
    byte[] payload = new byte[ChannelCellCodec.PAYLOAD_BYTES];
    return new OnionTransmit(leg.neighbour(),
        ChannelCellCodec.encode(new ChannelCell(leg.id(), CellCommand.DESTROY, payload)));
  }

  /** Return a free circuit id in this node's half of the link to {@code neighbour}, or 0. */
  private long allocateId(NodeId neighbour) {
    long half = self.compareTo(neighbour) > 0 ? 0x8000_0000L : 0;
    for (int i = 0; i < ID_TRIES; i++) {
      long id = half | (random.nextInt() & 0x7fff_ffffL);
      if (id != 0 && !legs.containsKey(new Link(neighbour, id))) {
        return id;
      }
    }
    return 0;
  }

  private void count(Refusal r) {
    refusals.merge(r, 1L, Long::sum);
  }

  private void see(long now) {
    lastNow = Math.max(lastNow, now);
  }

  static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  private static void putU16(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
  }
}
