package dev.wormholes.nat.lan;

import dev.wormholes.dht.Contact;
import dev.wormholes.dht.DhtEngine;
import dev.wormholes.proto.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * LAN discovery's decisions, one engine per node (no sockets, clock or I/O; node/'s {@code
 * discovery.LanDiscovery} and sim/'s {@code LanWorkload} drive it): when this node announces (at its
 * first {@link #handleTimeout} and every {@link AnnounceFilter#INTERVAL_MS} after), which heard
 * datagrams are announces worth reporting ({@link Announce#decode} then {@link AnnounceFilter}), and
 * what a reported announce may make the node do ({@link #joinThrough}).
 *
 * <p>Contract: {@link #pollTimeout} is when {@link #handleTimeout} is due; after it, {@link
 * #pollTransmit} returns the announce bytes once, to be multicast on every link. {@link
 * #handleDatagram} takes any datagram heard on the group; times are the caller's monotonic
 * milliseconds.
 */
public final class LanAnnouncer {
  /** A reported announce: the sender's claimed id and its DHT endpoint (the datagram's source IP). */
  public record Heard(NodeId claimed, InetSocketAddress endpoint) {}

  private final Announce self;
  private final AnnounceFilter filter;
  private long nextAnnounce;
  private boolean announceDue;

  /**
   * Announce {@code self}, first at {@code now}; report announces from sources {@code onLink}
   * accepts (the addresses of this node's own links).
   */
  public LanAnnouncer(Announce self, Predicate<InetAddress> onLink, long now) {
    this.self = self;
    this.filter = new AnnounceFilter(self, onLink);
    this.nextAnnounce = now;
  }

  /** Return when {@link #handleTimeout} is next due. */
  public long pollTimeout() {
    return nextAnnounce;
  }

  /** Advance to {@code now}: an announce falls due at the start and once per interval. */
  public void handleTimeout(long now) {
    if (now >= nextAnnounce) {
      announceDue = true;
      nextAnnounce = now + AnnounceFilter.INTERVAL_MS;
    }
  }

  /** Return the announce bytes if one is due (once per {@link #handleTimeout} that made it due), else null. */
  public byte[] pollTransmit() {
    if (!announceDue) {
      return null;
    }
    announceDue = false;
    return self.encode();
  }

  /**
   * Take a datagram heard on the group from {@code from} at {@code now}; return the announce it
   * carries if {@link AnnounceFilter} reports it, else empty (not an announce, not ours to hear, or
   * over the filter's budgets). Never throws.
   */
  public Optional<Heard> handleDatagram(byte[] datagram, InetAddress from, long now) {
    Optional<Announce> a = Announce.decode(datagram);
    if (a.isEmpty() || !filter.accept(a.get(), from, now)) {
      return Optional.empty();
    }
    return Optional.of(new Heard(a.get().id(), new InetSocketAddress(from, a.get().port())));
  }

  /**
   * What a reported announce makes the node do: an announce is unauthenticated, so it only helps a
   * node that is not joined yet join, by one ping to {@code heard}'s endpoint (never remembered,
   * never repeated by the refresh timer), then the usual lookups. "Not joined" is fewer contacts
   * than one bucket holds ({@code k}) and no query running: a node that joined through another
   * node that had not joined either (two nodes started at once on a LAN with no other way in) holds
   * just that one and is on an island with it; it keeps joining through what it hears until a
   * joined node's announce brings it the network. An announce of a node the table holds already
   * brings nothing new and is ignored, so the nodes of a network smaller than {@code k} do not
   * bootstrap through each other's announces every interval. A joined node ignores announces.
   * Return the bootstrap's query id, or -1 if ignored.
   */
  public static long joinThrough(DhtEngine engine, Heard heard, long now) {
    if (engine.contactCount() >= engine.config().k() || engine.runningQueries() != 0) {
      return -1;
    }
    List<Contact> nearest = engine.closest(heard.claimed(), 1);
    if (!nearest.isEmpty() && nearest.get(0).id().equals(heard.claimed())) {
      return -1;
    }
    return engine.bootstrap(List.of(heard.endpoint()), false, now);
  }
}
