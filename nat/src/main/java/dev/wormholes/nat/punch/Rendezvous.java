package dev.wormholes.nat.punch;

import dev.wormholes.nat.DialBackRule;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;

/**
 * The rendezvous side of hole punching, sans-I/O, run by a peer that both ends can reach: it
 * keeps registrations (node id to the address it last registered from), forwards Connect, Accept
 * and Sync between registered nodes adding the address it sees each come from, answers Observe
 * with the requester's address, and serves dial-backs — only ever to the requester's own observed
 * address ({@link DialBackRule}).
 *
 * <p>Sockets: 0 is its main socket, 1 a second port on the same IP (for "same address, other
 * port" dial-backs). Dial-backs "from another host" are ordered from a helper {@link Rendezvous}
 * configured with {@link #Rendezvous(int, InetSocketAddress, Set)}; a helper obeys orders only
 * from its trusted partners. Polling: after every input drain {@link #pollTransmit()}.
 */
public final class Rendezvous {
  /** Refused reason: the target is not registered here. */
  public static final int REFUSED_UNKNOWN_TARGET = 1;

  /** Counters of what was refused. */
  public record Counters(long malformed, long badSignature, long replayedRegister,
      long unknownTarget, long dialBackRefused, long untrustedOrders, long forwarded) {}

  private record Registration(InetSocketAddress address, long seq, long lastSeen) {}

  private final int maxRegistrations;
  private final InetSocketAddress helper;
  private final Set<InetSocketAddress> trustedPartners;
  // Access-ordered: the eldest is the least recently heard node; evicted first.
  private final LinkedHashMap<NodeId, Registration> registrations = new LinkedHashMap<>(16, 0.75f, true);
  private final Queue<PunchTransmit> transmits = new ArrayDeque<>();
  private long malformed;
  private long badSignature;
  private long replayedRegister;
  private long unknownTarget;
  private long dialBackRefused;
  private long untrustedOrders;
  private long forwarded;

  /**
   * Serve at most {@code maxRegistrations} nodes; order other-host dial-backs from {@code helper}
   * (null: none); obey dial-back orders from {@code trustedPartners} only.
   */
  public Rendezvous(int maxRegistrations, InetSocketAddress helper, Set<InetSocketAddress> trustedPartners) {
    this.maxRegistrations = maxRegistrations;
    this.helper = helper;
    this.trustedPartners = Set.copyOf(trustedPartners);
  }

  /** Feed a datagram that arrived on {@code socket} from {@code from}. */
  public void handleDatagram(int socket, InetSocketAddress from, byte[] bytes, long now) {
    Optional<PunchMessage> m = PunchCodec.decode(bytes);
    if (m.isEmpty()) {
      malformed++;
      return;
    }
    PunchMessage msg = m.get();
    if (msg instanceof PunchMessage.Register r) {
      onRegister(from, r, now);
    } else if (msg instanceof PunchMessage.Connect c) {
      if (c.observedByRendezvous() != null || !PunchCodec.verify(c)) {
        badSignature++; // spoofed or pre-stamped punch requests stop here
        return;
      }
      forward(c.session(), c.targetId(), from, new PunchMessage.Connect(c.session(), c.initiatorKey(),
          c.targetId(), c.hint(), c.candidates(), c.signature(), from));
    } else if (msg instanceof PunchMessage.Accept a) {
      if (a.observedByRendezvous() != null || !PunchCodec.verify(a)) {
        badSignature++;
        return;
      }
      forward(a.session(), a.initiatorId(), from, new PunchMessage.Accept(a.session(), a.responderKey(),
          a.initiatorId(), a.hint(), a.candidates(), a.signature(), from));
    } else if (msg instanceof PunchMessage.Sync y) {
      forward(y.session(), y.targetId(), from, y);
    } else if (msg instanceof PunchMessage.Observe o) {
      send(socket, from, new PunchMessage.Observed(o.txid(), from));
    } else if (msg instanceof PunchMessage.DialBackRequest r) {
      onDialBackRequest(from, r);
    } else if (msg instanceof PunchMessage.DialBackOrder o) {
      if (!trustedPartners.contains(from)) {
        untrustedOrders++;
        return;
      }
      send(0, o.target(), new PunchMessage.DialBack(o.nonce()));
    } else {
      malformed++; // messages a rendezvous never receives
    }
  }

  private void onRegister(InetSocketAddress from, PunchMessage.Register r, long now) {
    if (!Identity.verify(r.publicKey(), PunchCodec.REGISTER_DOMAIN,
        PunchCodec.registerSigned(r.publicKey(), r.seq()), r.signature())) {
      badSignature++;
      return;
    }
    NodeId id = Identity.idOf(r.publicKey());
    Registration old = registrations.get(id);
    if (old != null && r.seq() <= old.seq()) {
      replayedRegister++; // a replay could redirect the node's traffic to the replayer
      return;
    }
    registrations.put(id, new Registration(from, r.seq(), now));
    if (registrations.size() > maxRegistrations) {
      Iterator<NodeId> eldest = registrations.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
    send(0, from, new PunchMessage.Registered(from));
  }

  private void forward(long session, byte[] targetId, InetSocketAddress from, PunchMessage m) {
    Optional<NodeId> id = NodeId.tryOf(targetId);
    Registration r = id.map(registrations::get).orElse(null);
    if (r == null) {
      unknownTarget++;
      send(0, from, new PunchMessage.Refused(session, REFUSED_UNKNOWN_TARGET));
      return;
    }
    forwarded++;
    send(0, r.address(), m);
  }

  private void onDialBackRequest(InetSocketAddress from, PunchMessage.DialBackRequest r) {
    if (DialBackRule.check(from, r.target()) != DialBackRule.Verdict.ALLOW) {
      dialBackRefused++;
      return;
    }
    if (r.fromOtherHost()) {
      if (helper == null) {
        dialBackRefused++;
        return;
      }
      send(0, helper, new PunchMessage.DialBackOrder(r.nonce(), from));
    } else {
      send(1, from, new PunchMessage.DialBack(r.nonce()));
    }
  }

  private void send(int socket, InetSocketAddress to, PunchMessage m) {
    transmits.add(new PunchTransmit(socket, to, PunchCodec.encode(m)));
  }

  /** Return the next datagram to send. */
  public Optional<PunchTransmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return where {@code id} last registered from, if it is registered. */
  public Optional<InetSocketAddress> registered(NodeId id) {
    Registration r = registrations.get(id);
    return r == null ? Optional.empty() : Optional.of(r.address());
  }

  /** Return how many nodes are registered. */
  public int registrationCount() {
    return registrations.size();
  }

  /** Return the refusal counters. */
  public Counters counters() {
    return new Counters(malformed, badSignature, replayedRegister, unknownTarget, dialBackRefused,
        untrustedOrders, forwarded);
  }

  /** Return the registrations for diagnostics, in least-recently-heard order. */
  Map<NodeId, InetSocketAddress> snapshot() {
    Map<NodeId, InetSocketAddress> out = new LinkedHashMap<>();
    registrations.forEach((k, v) -> out.put(k, v.address()));
    return out;
  }
}
