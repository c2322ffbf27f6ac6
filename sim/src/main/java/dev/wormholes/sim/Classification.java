package dev.wormholes.sim;

import dev.wormholes.nat.NatClassifier;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How a simulated node learns its NAT type from peers, with the real {@link NatClassifier}, as
 * nat's lab driver does it with real sockets: Observe to rendezvous R1 (the mapping seen from
 * there); dial-back requests to R1 for "another host" (R1's helper R2) and "same host, other port"
 * (R1's second port), while nothing else has been contacted, so their arrival tells the filtering;
 * then Observe to R2 and to R1's second port (do different remotes see the same public port?). The
 * verdict is {@link #report()}. Observe retries 4 times, 300 ms apart; a node no reflector answers
 * gives up with an empty report (everything UNKNOWN), as the lab driver does.
 *
 * <p>A small state machine driven by the {@link NatLayer}: {@link #start}, {@link #handle} for
 * datagrams arriving on the node's socket 0 while it runs, {@link #handleTimeout}; its outputs are
 * datagrams through the {@link Port} and its wake-up time {@link #pollTimeout()}.
 */
final class Classification {
  /** Where the classification's datagrams go (always from the node's socket 0). */
  interface Port {
    void send(InetSocketAddress to, byte[] bytes, long now);
  }

  private enum Phase { OBSERVE_R1, DIAL_BACK, OBSERVE_R2, OBSERVE_R1_ALT, DONE }

  private static final long OBSERVE_RETRY_MS = 300;
  private static final int OBSERVE_ATTEMPTS = 4;
  private static final long TEST_TIMEOUT_MS = 800;

  private final NatClassifier classifier;
  private final InetSocketAddress r1;
  private final InetSocketAddress r1Alt;
  private final InetSocketAddress r2;
  private final RandomGenerator random;
  private final Port port;
  private Phase phase = Phase.OBSERVE_R1;
  private long tx;
  private int attempts;
  private long wake = Long.MAX_VALUE;
  private boolean answered;

  /** Classify the socket at {@code local} through {@code r1} (with its second port) and {@code r2}. */
  Classification(InetSocketAddress local, InetSocketAddress r1, InetSocketAddress r1Alt, InetSocketAddress r2,
      RandomGenerator random, Port port) {
    this.classifier = new NatClassifier(local, TEST_TIMEOUT_MS);
    this.r1 = r1;
    this.r1Alt = r1Alt;
    this.r2 = r2;
    this.random = random;
    this.port = port;
  }

  /** Send the first Observe. */
  void start(long now) {
    observe(now);
  }

  /** Return whether the classification is over. */
  boolean done() {
    return phase == Phase.DONE;
  }

  /** Return whether any reflector answered. */
  boolean answered() {
    return answered;
  }

  /** Return the verdict (meaningful once {@link #done()}). */
  NatReport report() {
    return classifier.report();
  }

  /** Return the keepalive interval the classifier derives from the mapping lifetime. */
  long keepaliveMs() {
    return classifier.keepaliveIntervalMs();
  }

  /** Return when {@link #handleTimeout} must run next, or {@code Long.MAX_VALUE}. */
  long pollTimeout() {
    return phase == Phase.DONE ? Long.MAX_VALUE : wake;
  }

  private InetSocketAddress reflector() {
    switch (phase) {
      case OBSERVE_R1: return r1;
      case OBSERVE_R2: return r2;
      default: return r1Alt;
    }
  }

  private void observe(long now) {
    tx = random.nextLong();
    attempts++;
    port.send(reflector(), PunchCodec.encode(new PunchMessage.Observe(tx)), now);
    wake = now + OBSERVE_RETRY_MS;
  }

  /** Feed a datagram that reached the node's socket 0; return whether it was the classification's. */
  boolean handle(InetSocketAddress from, byte[] bytes, long now) {
    if (phase == Phase.DONE) return false;
    Optional<PunchMessage> m = PunchCodec.decode(bytes);
    if (m.isEmpty()) return false;
    if (m.get() instanceof PunchMessage.Observed o) {
      if (phase != Phase.DIAL_BACK && o.txid() == tx && from.equals(reflector())) {
        answered = true;
        classifier.handleMappingObservation(from, o.observed());
        next(o.observed(), now);
      }
      return true;
    }
    if (m.get() instanceof PunchMessage.DialBack d) {
      classifier.handleTestArrived(d.nonce(), now);
      return true;
    }
    return false;
  }

  /** Retry an unanswered Observe, or end the dial-back tests whose deadline passed. */
  void handleTimeout(long now) {
    if (now < wake || phase == Phase.DONE) return;
    if (phase == Phase.DIAL_BACK) {
      classifier.handleTimeout(now);
      if (classifier.pollTimeout().isPresent()) {
        wake = classifier.pollTimeout().getAsLong();
      } else {
        phase = Phase.OBSERVE_R2;
        attempts = 0;
        observe(now);
      }
    } else if (attempts < OBSERVE_ATTEMPTS) {
      observe(now);
    } else if (phase == Phase.OBSERVE_R1) {
      phase = Phase.DONE; // no reflector: nothing to learn from
    } else {
      next(null, now); // this reflector stayed silent: classify with what the others said
    }
  }

  private void next(InetSocketAddress observed, long now) {
    switch (phase) {
      case OBSERVE_R1:
        // Filtering first, while only R1's main port has been contacted.
        phase = Phase.DIAL_BACK;
        for (NatClassifier.TestKind k : new NatClassifier.TestKind[] {
            NatClassifier.TestKind.OTHER_ADDRESS, NatClassifier.TestKind.SAME_ADDRESS_OTHER_PORT}) {
          NatClassifier.Test t = classifier.startTest(k, random, now).orElseThrow();
          port.send(r1, PunchCodec.encode(new PunchMessage.DialBackRequest(t.nonce(),
              k == NatClassifier.TestKind.OTHER_ADDRESS, observed)), now);
        }
        wake = classifier.pollTimeout().getAsLong();
        break;
      case OBSERVE_R2:
        phase = Phase.OBSERVE_R1_ALT;
        attempts = 0;
        observe(now);
        break;
      default:
        phase = Phase.DONE;
    }
  }
}
