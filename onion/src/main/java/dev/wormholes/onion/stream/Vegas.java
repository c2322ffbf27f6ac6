package dev.wormholes.onion.stream;

import java.security.MessageDigest;
import java.util.ArrayDeque;

/**
 * The sending side of one circuit's congestion control, in the style of Tor proposal 324's
 * TOR_VEGAS, counted in DATA cells, on the caller's clock in microseconds, with authenticated SENDMEs
 * (the idea of Tor proposal 289).
 *
 * <p>The sender may have {@link #room()} more DATA cells unacknowledged ({@code cwnd - inflight}).
 * The receiver answers every {@link #SENDME_INC}th DATA cell with a circuit SENDME carrying that
 * cell's authenticator (its CGO tag, which nobody can predict without the cell); {@link #sent}
 * keeps the authenticator and send time of every such cell, and {@link #acked} accepts a SENDME
 * only if it carries the oldest one still expected, in constant time. So a receiver cannot
 * acknowledge cells it has not received, nor more than were sent: such a SENDME is refused and
 * the caller closes the circuit.
 *
 * <p>Each accepted SENDME is an RTT sample (send time of the acknowledged cell to now, in
 * microseconds: a round trip over fast links is a few milliseconds, and the queue estimate below
 * needs the ratio of two of them to better than a millisecond's rounding). With {@code
 * minRtt} the smallest sample and {@code rtt} a moving average, the cells queued on the path are
 * estimated as {@code queue = cwnd - cwnd * minRtt / rtt}. In slow start {@code cwnd} grows by
 * {@link #SENDME_INC} per SENDME (doubling per round trip) until {@code queue > GAMMA}, then drops
 * to the estimated path capacity plus {@code GAMMA}; afterwards, once per {@code cwnd} of
 * acknowledged cells, it grows by {@link #SENDME_INC} while {@code queue < ALPHA}, shrinks by as
 * much above {@code BETA}, and falls to the path capacity plus {@code DELTA} above {@code DELTA}.
 * {@code cwnd} stays within [{@link #CWND_MIN}, {@link #CWND_MAX}]; the maximum is below the
 * relays' per-circuit queue cap (2048 cells), so an honest sender never makes a relay evict.
 */
public final class Vegas {
  /** DATA cells per circuit SENDME. */
  public static final int SENDME_INC = 31;
  /** The window a circuit starts with. */
  public static final int CWND_INIT = 4 * SENDME_INC;
  /** The smallest window. */
  public static final int CWND_MIN = 2 * SENDME_INC;
  /** The largest window (below the relays' 2048-cell queue cap). */
  public static final int CWND_MAX = 64 * SENDME_INC;
  static final int ALPHA = 3 * SENDME_INC;
  static final int BETA = 6 * SENDME_INC;
  static final int GAMMA = 3 * SENDME_INC;
  static final int DELTA = 8 * SENDME_INC;

  private record Expected(byte[] tag, long sentAt) {}

  private final ArrayDeque<Expected> expected = new ArrayDeque<>();
  private int cwnd = CWND_INIT;
  private int inflight;
  private long sent;
  private boolean slowStart = true;
  private long minRtt = Long.MAX_VALUE;
  private long rtt;
  private int ackedSinceUpdate;

  /** Return how many more DATA cells may be sent now. */
  public int room() {
    return Math.max(0, cwnd - inflight);
  }

  /** A DATA cell went out at {@code nowMicros} with authenticator {@code tag}. */
  public void sent(byte[] tag, long nowMicros) {
    inflight++;
    if (++sent % SENDME_INC == 0) {
      expected.add(new Expected(tag, nowMicros));
    }
  }

  /**
   * A circuit SENDME carrying {@code tag} arrived at {@code nowMicros}: acknowledge {@link #SENDME_INC}
   * cells and adjust the window. Return false (and change nothing) when it acknowledges no cell
   * this side sent: none is expected, or the tag is not the expected cell's.
   */
  public boolean acked(byte[] tag, long nowMicros) {
    Expected e = expected.peekFirst();
    if (e == null || !MessageDigest.isEqual(e.tag(), tag)) {
      return false;
    }
    expected.pollFirst();
    inflight -= SENDME_INC;
    long sample = Math.max(1, nowMicros - e.sentAt());
    minRtt = Math.min(minRtt, sample);
    rtt = rtt == 0 ? sample : (rtt + sample) / 2;
    long bdp = cwnd * minRtt / rtt;
    long queue = cwnd - bdp;
    if (slowStart) {
      if (queue > GAMMA) {
        slowStart = false;
        cwnd = (int) Math.min(CWND_MAX, bdp + GAMMA);
      } else {
        cwnd += SENDME_INC;
      }
    } else {
      ackedSinceUpdate += SENDME_INC;
      if (ackedSinceUpdate >= cwnd) {
        ackedSinceUpdate = 0;
        if (queue > DELTA) {
          cwnd = (int) Math.min(CWND_MAX, bdp + DELTA - SENDME_INC);
        } else if (queue > BETA) {
          cwnd -= SENDME_INC;
        } else if (queue < ALPHA) {
          cwnd += SENDME_INC;
        }
      }
    }
    cwnd = Math.max(CWND_MIN, Math.min(CWND_MAX, cwnd));
    return true;
  }

  /** Return the congestion window in cells. */
  public int cwnd() {
    return cwnd;
  }

  /** Return the DATA cells sent and not yet acknowledged. */
  public int inflight() {
    return inflight;
  }

  /** Return whether the window is still in slow start. */
  public boolean slowStart() {
    return slowStart;
  }

  /** Return the smallest RTT sample in microseconds, or -1 before the first. */
  public long minRttMicros() {
    return minRtt == Long.MAX_VALUE ? -1 : minRtt;
  }

  /** Return the moving average of the RTT samples in microseconds, or -1 before the first. */
  public long rttMicros() {
    return rtt == 0 ? -1 : rtt;
  }
}
