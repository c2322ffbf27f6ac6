package dev.wormholes.networks;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * When a joiner sends its join request ({@link NetworkInvites#request}) to the inviter's endpoints
 * named in the link, and when it gives up: rounds at {@link #SEND_AT_MS} after the join started
 * (a late poll sends only the latest round due), each to every endpoint, until the driver has an
 * answer or a refusal; after {@link #TIMEOUT_MS} the join has failed. A challenge (the inviter's
 * cookie) is followed up only from an endpoint asked this round, once ({@link AskedAddresses}), so
 * a challenge from a forged source makes the joiner send nothing. The daemon ({@code
 * node/networks/NetworkJoins}) drives one per join in progress; time handed in (ms, one clock).
 */
public final class JoinSchedule {
  /** When the request is sent, after the join started. */
  static final long[] SEND_AT_MS = {0, 1_000, 3_000, 7_000};
  /** When the join has failed without an answer, after it started. */
  public static final long TIMEOUT_MS = 15_000;

  private final List<InetSocketAddress> endpoints;
  private final long start;
  private final AskedAddresses asked = new AskedAddresses();
  private int next;

  /** A join started at {@code now} through the inviter's {@code endpoints}. */
  public JoinSchedule(List<InetSocketAddress> endpoints, long now) {
    this.endpoints = List.copyOf(endpoints);
    this.start = now;
  }

  /**
   * Return the endpoints to send the request to at {@code now} (all of them when a round is due,
   * else none); a round forgets the addresses the last one asked.
   */
  public List<InetSocketAddress> due(long now) {
    int round = -1;
    for (int r = next; r < SEND_AT_MS.length && now - start >= SEND_AT_MS[r]; r++) {
      round = r;
    }
    if (round < 0 || expired(now)) {
      return List.of();
    }
    next = round + 1;
    asked.clear();
    endpoints.forEach(asked::asked);
    return endpoints;
  }

  /** Return whether the join has had no answer for {@link #TIMEOUT_MS} at {@code now}: it failed. */
  public boolean expired(long now) {
    return now - start >= TIMEOUT_MS;
  }

  /** Return whether to send the request again with the cookie of a challenge from {@code from}. */
  public boolean followUp(InetSocketAddress from) {
    return asked.followUp(from);
  }

  /** Return when to poll next: the next round, or the timeout. */
  public long nextWake() {
    return start + (next < SEND_AT_MS.length ? SEND_AT_MS[next] : TIMEOUT_MS);
  }
}
