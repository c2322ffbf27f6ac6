package dev.wormholes.sim;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The modelled QUIC handshakes of {@link NatLayer}'s ladder dials (QUIC is not simulated): a dial
 * is one handshake datagram from the initiator, sent again as QUIC's loss recovery would (after
 * {@link #RETRANSMIT_MS}, then after twice as long each time: 1, 3 and 7 s after the dial) and
 * failing after the daemon's handshake timeout ({@link #TIMEOUT_MS}); the target's QUIC server
 * answers every copy, back to where it came from; an answer reaching the initiator while its
 * connect is unfinished connects the dial. A handshake datagram is {@link #FIRST_BYTE}, answer
 * flag, pair and dial (10 bytes); any other shape is ignored.
 */
final class Handshakes {
  /** First byte of a modelled handshake datagram (QUIC's fixed bit: none of the engines' bytes). */
  static final byte FIRST_BYTE = 0x40;
  /**
   * QUIC's first Initial retransmission (quiche's initial PTO): a lost Initial is sent again after
   * this, then after twice as long each time.
   */
  static final long RETRANSMIT_MS = 1_000;
  /** The daemon's QUIC handshake timeout: a dial with no answer by then fails. */
  static final long TIMEOUT_MS = 10_000;
  private static final int BYTES = 10;

  /** The connects the dials belong to, and the network they go through. */
  interface Ends {
    /** Send modelled QUIC datagram {@code bytes} from node {@code node} to {@code to}. */
    void send(int node, InetSocketAddress to, byte[] bytes, long now);

    /** Return pair {@code p}'s initiator, or its target with {@code target}. */
    int node(int p, boolean target);

    /** Return whether pair {@code p}'s connect is still unfinished. */
    boolean unfinished(int p);

    /** Return whether node {@code node} runs. */
    boolean online(int node);

    /** Pair {@code p}'s ladder dial {@code action} connected. */
    void connected(int p, long action, long now);

    /** Pair {@code p}'s ladder dial {@code action} timed out. */
    void timedOut(int p, long action, long now);

    /** Call {@link #resend} ({@code timeout}: {@link #timeout}) with {@code dial} at {@code time}. */
    void at(long time, boolean timeout, int dial);
  }

  private final Ends ends;
  // By dial index: {pair, endpoint, ladder action id, when dialled}.
  private final List<Object[]> dials = new ArrayList<>();

  Handshakes(Ends ends) {
    this.ends = ends;
  }

  /** Pair {@code p}'s ladder dials {@code to} (its action {@code action}): the first copy, the retries and the timeout. */
  void dial(int p, InetSocketAddress to, long action, long now) {
    dials.add(new Object[] {p, to, action, now});
    int dial = dials.size() - 1;
    send(dial, now);
    ends.at(now + RETRANSMIT_MS, false, dial);
    ends.at(now + TIMEOUT_MS, true, dial);
  }

  private int pair(int dial) {
    return (Integer) dials.get(dial)[0];
  }

  private long action(int dial) {
    return (Long) dials.get(dial)[2];
  }

  private void send(int dial, long now) {
    int p = pair(dial);
    ends.send(ends.node(p, false), (InetSocketAddress) dials.get(dial)[1], encode(false, p, dial), now);
  }

  private boolean pending(int dial) {
    int p = pair(dial);
    return ends.unfinished(p) && ends.online(ends.node(p, false));
  }

  /** Send dial {@code dial} again if its connect still waits; the next copy after twice the wait. */
  void resend(int dial, long now) {
    if (!pending(dial)) return;
    send(dial, now);
    long since = now - (Long) dials.get(dial)[3];
    if (2 * since + RETRANSMIT_MS < TIMEOUT_MS) ends.at(now + since + RETRANSMIT_MS, false, dial); // the PTO doubles
  }

  /** Dial {@code dial}'s handshake timeout: its ladder hears it failed if its connect still waits. */
  void timeout(int dial, long now) {
    if (pending(dial)) ends.timedOut(pair(dial), action(dial), now);
  }

  private static byte[] encode(boolean answer, int pair, int dial) {
    return new byte[] {FIRST_BYTE, (byte) (answer ? 1 : 0), (byte) (pair >>> 24), (byte) (pair >>> 16),
        (byte) (pair >>> 8), (byte) pair, (byte) (dial >>> 24), (byte) (dial >>> 16), (byte) (dial >>> 8), (byte) dial};
  }

  /**
   * A handshake datagram arrived at node {@code j} from {@code from}: the target's QUIC server
   * answers it (through {@link Ends#send}, which picks the socket); the initiator's dial connects.
   */
  void receive(int j, InetSocketAddress from, byte[] b, long now) {
    if (b.length != BYTES) return;
    int p = (b[2] & 0xFF) << 24 | (b[3] & 0xFF) << 16 | (b[4] & 0xFF) << 8 | (b[5] & 0xFF);
    int dial = (b[6] & 0xFF) << 24 | (b[7] & 0xFF) << 16 | (b[8] & 0xFF) << 8 | (b[9] & 0xFF);
    if (dial < 0 || dial >= dials.size() || pair(dial) != p) return;
    if (b[1] == 0 && j == ends.node(p, true)) {
      ends.send(j, from, encode(true, p, dial), now); // the QUIC server answers
    } else if (b[1] == 1 && j == ends.node(p, false) && ends.unfinished(p)) {
      ends.connected(p, action(dial), now);
    }
  }
}
