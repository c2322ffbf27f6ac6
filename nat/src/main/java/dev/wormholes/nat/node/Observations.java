package dev.wormholes.nat.node;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.AddressObserver;
import dev.wormholes.nat.NatClassifier;
import dev.wormholes.nat.Networks;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.nat.punch.PunchTransmit;
import dev.wormholes.proto.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * What peers see of our main socket, sans-I/O: the {@link AddressObserver} and the {@link
 * NatClassifier} (made at the first observation, against the concrete local endpoint), fed by the
 * DHT's observations and by Observe rounds to contacts; answers to others' Observe requests.
 * Part of {@link NatCore}; not thread-safe.
 */
public final class Observations {
  /** Observe requests answered per second at most (burst: twice that). */
  public static final int OBSERVES_PER_SECOND = 200;

  /**
   * A peer answered our Observe: it saw our main socket at {@code observed} (the DHT runtime's
   * presence record counts it like the DHT's own observations).
   */
  public record Observation(Contact by, InetSocketAddress observed) {}

  private record Pending(InetSocketAddress to, NodeId id, long deadline) {}

  private final InetSocketAddress bound;
  private final List<InetSocketAddress> lan;
  private final NatCounters counters;
  private final AddressObserver observer = new AddressObserver();
  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private final Queue<Observation> byProbe = new ArrayDeque<>();
  private NatClassifier classifier;
  private long nextRoundAt;
  private double tokens = 2 * OBSERVES_PER_SECOND;
  private long refilledAt;

  Observations(InetSocketAddress bound, List<InetSocketAddress> lan, NatCounters counters) {
    this.bound = bound;
    this.lan = lan;
    this.counters = counters;
  }

  /** Return the classifier, or null before the first observation. */
  NatClassifier classifier() {
    return classifier;
  }

  /** Record that {@code by}, reached at {@code byAddress}, saw our main socket as {@code observed}. */
  void observe(NodeId by, InetSocketAddress byAddress, InetSocketAddress observed, long now) {
    if (observed == null || observed.isUnresolved() || observed.getPort() == 0) {
      counters.malformed++;
      return;
    }
    if (privateNetwork(byAddress.getAddress())) {
      // A peer at a private address is on our side of the NAT (same LAN, same carrier): it sees
      // our inside address, which says nothing about the NAT and would spoil the verdict.
      counters.insideObservations++;
      return;
    }
    if (classifier == null) {
      classifier = new NatClassifier(localFor(observed), 2_000);
    }
    classifier.handleMappingObservation(byAddress, observed);
    observer.handleObservation(by, byAddress, observed, now);
    for (var ev = observer.pollEvent(); ev.isPresent(); ev = observer.pollEvent()) {
      counters.mappingChanges++; // the candidates are rebuilt from the observer after every input
    }
  }

  /**
   * Return whether {@code a} belongs to a private network (RFC 1918, RFC 6598 shared space,
   * link-local, IPv6 unique-local): peers there are not across a NAT from us.
   */
  public static boolean privateNetwork(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16) {
      return a.isLinkLocalAddress() || a.isSiteLocalAddress() || (b[0] & 0xFE) == 0xFC;
    }
    return a.isLinkLocalAddress() || Networks.isPrivateIpv4(a);
  }

  /** Return the concrete local endpoint to compare observations with (a wildcard bind has none). */
  private InetSocketAddress localFor(InetSocketAddress observed) {
    if (!bound.getAddress().isAnyLocalAddress()) {
      return bound;
    }
    for (InetSocketAddress a : lan) {
      if (a.equals(observed)) {
        return a;
      }
    }
    return lan.isEmpty() ? bound : lan.get(0);
  }

  /**
   * Tell {@code from} where it came from: a smaller answer than the request (no amplification), at
   * most {@link #OBSERVES_PER_SECOND} a second (a spoofed source gets no flood either).
   */
  void answer(InetSocketAddress from, PunchMessage.Observe o, long now, Queue<PunchTransmit> out) {
    tokens = Math.min(2 * OBSERVES_PER_SECOND, tokens + (now - refilledAt) * OBSERVES_PER_SECOND / 1000.0);
    refilledAt = now;
    if (tokens < 1) {
      counters.observeLimited++;
      return;
    }
    tokens--;
    counters.observeAnswered++;
    out.add(new PunchTransmit(0, from, PunchCodec.encode(new PunchMessage.Observed(o.txid(), from))));
  }

  /** Take the answer to one of our Observe requests; anything else is counted as unsolicited. */
  void onObserved(InetSocketAddress from, PunchMessage.Observed o, long now) {
    Pending p = pending.get(o.txid());
    if (p == null || !p.to().equals(from)) {
      counters.unsolicited++;
      return;
    }
    pending.remove(o.txid());
    observe(p.id(), from, o.observed(), now);
    if (o.observed() != null && byProbe.size() < 64) {
      byProbe.add(new Observation(new Contact(p.id(), from), o.observed()));
    }
  }

  /**
   * Forget unanswered requests; if a round is due, ask up to {@code peers} random {@code contacts}
   * (every {@code fastMs} while fewer than two peers reported, else every {@code slowMs}).
   */
  void handleTimeout(List<Contact> contacts, int peers, long fastMs, long slowMs, long now,
      RandomGenerator random, Queue<PunchTransmit> out) {
    pending.values().removeIf(p -> now >= p.deadline());
    if (classifier != null) {
      classifier.handleTimeout(now);
    }
    if (now < nextRoundAt) {
      return;
    }
    int reports = classifier == null ? 0 : classifier.report().observations();
    nextRoundAt = now + (reports < 2 ? fastMs : slowMs);
    List<Contact> pick = new ArrayList<>(contacts);
    for (int i = pick.size() - 1; i > 0; i--) {
      java.util.Collections.swap(pick, i, random.nextInt(i + 1)); // Fisher-Yates with the handed-in generator
    }
    int sent = 0;
    for (Contact c : pick) {
      if (sent >= peers || pending.size() >= 4 * peers) {
        break;
      }
      long tx = random.nextLong();
      pending.put(tx, new Pending(c.address(), c.id(), now + 2_000));
      out.add(new PunchTransmit(0, c.address(), PunchCodec.encode(new PunchMessage.Observe(tx))));
      sent++;
    }
  }

  /** Return the earliest of the next round and the classifier's test deadlines. */
  long nextDeadline() {
    long t = nextRoundAt;
    return classifier == null ? t : Math.min(t, classifier.pollTimeout().orElse(Long.MAX_VALUE));
  }

  /** Return our believed public endpoint, or else the best reported one. */
  Optional<InetSocketAddress> endpoint(long now) {
    Optional<InetSocketAddress> b = observer.believed();
    return b.isPresent() ? b : observer.best(now).map(AddressObserver.PublicEndpoint::endpoint);
  }

  /** Return every reported endpoint, best first. */
  List<AddressObserver.PublicEndpoint> endpoints(long now) {
    return observer.endpoints(now);
  }

  /** Return the next observation made by an Observe probe. */
  Optional<Observation> poll() {
    return Optional.ofNullable(byProbe.poll());
  }
}
