package dev.wormholes.nat.node;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.NatClassifier;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.nat.punch.PunchTransmit;
import java.net.InetSocketAddress;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * The asking side of the filtering and hairpin tests (RFC 5780's shape), sans-I/O, run through
 * one of our rendezvous peers from the side socket (socket 1), whose fresh NAT mapping has only
 * ever sent to that peer: (1) Observe from the side socket, to learn its public endpoint; (2) ask
 * the peer for a dial-back from another host (arrival: endpoint-independent filtering) and from
 * its other port (arrival: address-dependent at most); (3) send a dial-back from the side socket to
 * our main public endpoint (arrival on the main socket: the NAT hairpins). {@link NatClassifier}
 * keeps the verdicts and fails tests at their deadlines; the run repeats every {@link #REPEAT_MS}.
 *
 * <p>Runs may go through different rendezvous peers (one is replaced, or registers later), and
 * then the side socket has sent to more than one: a dial-back from an earlier run's peer passes
 * a filtering NAT as an answer, not as a stranger's packet, and read as one it made a
 * port-restricted NAT look like a full cone in the lab (the peer was the helper the current
 * rendezvous picked). So a dial-back from an address the side socket has sent to, other than the
 * current run's rendezvous (whose other port is a test of its own), proves nothing and is
 * dropped ({@link #provesNothing}).
 */
final class FilterTest {
  /** Time between runs. */
  static final long REPEAT_MS = 10 * 60_000;
  /** Time before a run whose Observe got no answer is tried again. */
  static final long RETRY_MS = 15_000;
  /**
   * Time before a run that found the NAT filtering is repeated: one lost dial-back reads as
   * "filtered" (a full cone was once taken for address-restricted in the lab), and a later arrival
   * overrides a failure in {@link NatClassifier}, never the reverse.
   */
  static final long CONFIRM_MS = 20_000;
  /** Confirmation runs after a "filtered" verdict. */
  static final int CONFIRM_RUNS = 2;

  private long txid;
  private InetSocketAddress via;
  private long observeDeadline = Long.MAX_VALUE;
  private long nextRunAt;
  private boolean awaitingVerdict;
  private int confirmations;
  int runs;
  /** IPs the side socket has sent to (the rendezvous of the runs so far; the last 16). */
  private final java.util.Set<java.net.InetAddress> sentTo = new java.util.LinkedHashSet<>();

  /** Start a run through {@code rendezvous} if one is due. */
  void maybeStart(InetSocketAddress rendezvous, long now, RandomGenerator random, Queue<PunchTransmit> out) {
    if (now < nextRunAt || observeDeadline != Long.MAX_VALUE) {
      return;
    }
    txid = random.nextLong();
    via = rendezvous;
    sentTo.remove(rendezvous.getAddress());
    sentTo.add(rendezvous.getAddress());
    if (sentTo.size() > 16) {
      sentTo.remove(sentTo.iterator().next());
    }
    observeDeadline = now + 2_000;
    nextRunAt = now + REPEAT_MS;
    runs++;
    out.add(new PunchTransmit(1, rendezvous, PunchCodec.encode(new PunchMessage.Observe(txid))));
  }

  /**
   * Take an Observed that arrived on the side socket; if it answers our run, start the tests and
   * return true.
   */
  boolean onObserved(InetSocketAddress from, PunchMessage.Observed o, NatClassifier classifier,
      InetSocketAddress mainPublic, long now, RandomGenerator random, Queue<PunchTransmit> out) {
    if (observeDeadline == Long.MAX_VALUE || o.txid() != txid || !from.equals(via)) {
      return false;
    }
    observeDeadline = Long.MAX_VALUE;
    awaitingVerdict = true;
    InetSocketAddress side = o.observed();
    classifier.startTest(NatClassifier.TestKind.OTHER_ADDRESS, random, now).ifPresent(t -> out.add(
        new PunchTransmit(1, via, PunchCodec.encode(new PunchMessage.DialBackRequest(t.nonce(), true, side)))));
    classifier.startTest(NatClassifier.TestKind.SAME_ADDRESS_OTHER_PORT, random, now).ifPresent(t -> out.add(
        new PunchTransmit(1, via, PunchCodec.encode(new PunchMessage.DialBackRequest(t.nonce(), false, side)))));
    if (mainPublic != null) {
      classifier.startTest(NatClassifier.TestKind.HAIRPIN, random, now).ifPresent(t -> out.add(
          new PunchTransmit(1, mainPublic, PunchCodec.encode(new PunchMessage.DialBack(t.nonce())))));
    }
    return true;
  }

  /**
   * Give up on an unanswered Observe at its deadline; once a run's tests are over, repeat it soon
   * if it found the NAT filtering (at most {@link #CONFIRM_RUNS} times).
   */
  void handleTimeout(long now, NatClassifier classifier) {
    if (now >= observeDeadline) {
      observeDeadline = Long.MAX_VALUE;
      nextRunAt = now + RETRY_MS;
    }
    if (awaitingVerdict && classifier.pollTimeout().isEmpty()) {
      awaitingVerdict = false;
      NatBehaviour f = classifier.filtering();
      if ((f == NatBehaviour.ADDRESS_DEPENDENT || f == NatBehaviour.ADDRESS_AND_PORT_DEPENDENT)
          && confirmations < CONFIRM_RUNS) {
        confirmations++;
        nextRunAt = Math.min(nextRunAt, now + CONFIRM_MS);
      }
    }
  }

  /**
   * Return whether a dial-back from {@code from} on the side socket proves nothing about the NAT's
   * filtering: the side socket has sent to that IP, and it is not the current run's rendezvous.
   */
  boolean provesNothing(InetSocketAddress from) {
    return sentTo.contains(from.getAddress())
        && (via == null || !via.getAddress().equals(from.getAddress()));
  }

  /** Return the Observe deadline, or the next run while a rendezvous is known. */
  OptionalLong pollTimeout(boolean haveRendezvous) {
    long t = Math.min(observeDeadline, haveRendezvous ? nextRunAt : Long.MAX_VALUE);
    return t == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(t);
  }
}
