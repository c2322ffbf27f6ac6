package dev.wormholes.nat;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;

/**
 * Learn the node's public endpoint(s) from the observed addresses that peers put in every DHT
 * response, without trusting any single peer.
 *
 * <p>Each reporter (node id) counts once, with its latest report; a report older than {@link
 * #maxAgeMs} counts no more. An endpoint's confidence grows with the number of distinct reporters
 * and of distinct reporter networks (/16 for IPv4, /32 for IPv6, {@link Networks}), so a crowd of
 * sybils in one block cannot outvote honest peers elsewhere. Memory is bounded: at most {@link
 * #maxReporters} reporters are kept, the least recently heard is forgotten first.
 *
 * <p>Polling: after each {@link #handleObservation} the driver drains {@link #pollEvent()}; an
 * event is emitted when the best endpoint with at least {@link Confidence#MEDIUM} confidence
 * changes (the NAT gave us a new mapping, or we moved).
 */
public final class AddressObserver {

  /** How much an endpoint is believed. */
  public enum Confidence {
    /** One reporter, or several in one network: could be a liar. */
    LOW,
    /** At least two reporters in at least two networks. */
    MEDIUM,
    /** At least three reporters in at least three networks. */
    HIGH
  }

  /**
   * A public endpoint as the peers see it.
   *
   * @param endpoint the observed ip:port
   * @param reporters distinct reporter node ids whose latest report names it
   * @param networks distinct reporter networks among them
   * @param confidence the verdict from the two counts
   * @param lastSeen monotonic time of the newest report naming it
   */
  public record PublicEndpoint(
      InetSocketAddress endpoint, int reporters, int networks, Confidence confidence, long lastSeen) {}

  /**
   * The best confident endpoint changed.
   *
   * @param previous the endpoint believed before, empty at the first confident verdict
   * @param current the endpoint believed now
   * @param at monotonic time of the observation that tipped it
   */
  public record MappingChanged(
      Optional<InetSocketAddress> previous, InetSocketAddress current, long at) {}

  private record Report(InetSocketAddress reporterAddress, InetSocketAddress observed, long at) {}

  private final int maxReporters;
  private final long maxAgeMs;
  // Access-ordered: the eldest entry is the least recently heard reporter. Iteration order is
  // deterministic (insertion/access), never hash order.
  private final LinkedHashMap<NodeId, Report> reports = new LinkedHashMap<>(16, 0.75f, true);
  private final Queue<MappingChanged> events = new ArrayDeque<>();
  private InetSocketAddress believed;
  private long dropped;

  /** Keep at most {@code maxReporters} reporters, each report valid for {@code maxAgeMs}. */
  public AddressObserver(int maxReporters, long maxAgeMs) {
    if (maxReporters < 1 || maxAgeMs < 1) {
      throw new IllegalArgumentException("maxReporters and maxAgeMs must be positive");
    }
    this.maxReporters = maxReporters;
    this.maxAgeMs = maxAgeMs;
  }

  /** Defaults: 64 reporters, reports valid for 10 minutes. */
  public AddressObserver() {
    this(64, 10 * 60_000L);
  }

  /**
   * Record that {@code reporter}, reached at {@code reporterAddress}, saw us as {@code observed}.
   * Unresolved or port-0 addresses are dropped and counted.
   */
  public void handleObservation(
      NodeId reporter, InetSocketAddress reporterAddress, InetSocketAddress observed, long now) {
    if (observed.isUnresolved() || observed.getPort() == 0 || reporterAddress.isUnresolved()) {
      dropped++;
      return;
    }
    reports.put(reporter, new Report(reporterAddress, observed, now));
    if (reports.size() > maxReporters) {
      Iterator<NodeId> eldest = reports.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
    best(now).filter(p -> p.confidence() != Confidence.LOW).ifPresent(p -> noticeBelief(p, now));
  }

  private void noticeBelief(PublicEndpoint p, long now) {
    if (!p.endpoint().equals(believed)) {
      events.add(new MappingChanged(Optional.ofNullable(believed), p.endpoint(), now));
      believed = p.endpoint();
    }
  }

  /** Return every endpoint named by a live report, best first (networks, reporters, recency). */
  public List<PublicEndpoint> endpoints(long now) {
    Map<InetSocketAddress, List<Report>> by = new LinkedHashMap<>();
    for (Report r : reports.values()) {
      if (now - r.at() <= maxAgeMs) {
        by.computeIfAbsent(r.observed(), k -> new ArrayList<>()).add(r);
      }
    }
    List<PublicEndpoint> out = new ArrayList<>();
    for (Map.Entry<InetSocketAddress, List<Report>> e : by.entrySet()) {
      out.add(summarise(e.getKey(), e.getValue()));
    }
    out.sort(Comparator.comparingInt(PublicEndpoint::networks)
        .thenComparingInt(PublicEndpoint::reporters)
        .thenComparingLong(PublicEndpoint::lastSeen)
        .reversed());
    return out;
  }

  private static PublicEndpoint summarise(InetSocketAddress endpoint, List<Report> rs) {
    Set<String> nets = new HashSet<>();
    long last = Long.MIN_VALUE;
    for (Report r : rs) {
      nets.add(Networks.networkOf(r.reporterAddress().getAddress()));
      last = Math.max(last, r.at());
    }
    int n = nets.size();
    Confidence c = rs.size() >= 3 && n >= 3 ? Confidence.HIGH
        : rs.size() >= 2 && n >= 2 ? Confidence.MEDIUM : Confidence.LOW;
    return new PublicEndpoint(endpoint, rs.size(), n, c, last);
  }

  /** Return the best endpoint, if any live report exists. */
  public Optional<PublicEndpoint> best(long now) {
    List<PublicEndpoint> all = endpoints(now);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  /** Return the endpoint believed with at least MEDIUM confidence, if any. */
  public Optional<InetSocketAddress> believed() {
    return Optional.ofNullable(believed);
  }

  /** Return the next mapping-change event, or empty. */
  public Optional<MappingChanged> pollEvent() {
    return Optional.ofNullable(events.poll());
  }

  /** Return how many reporters are remembered (at most the configured bound). */
  public int reporterCount() {
    return reports.size();
  }

  /** Return how many malformed observations were dropped. */
  public long droppedCount() {
    return dropped;
  }
}
