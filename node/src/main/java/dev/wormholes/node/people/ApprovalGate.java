package dev.wormholes.node.people;

import dev.wormholes.node.stream.Exposure;
import dev.wormholes.node.stream.StreamGate;
import dev.wormholes.proto.NodeId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Approval before connect: a stream to an exposed service is let in if the service is public, or
 * the dialer is on its allow-list, or the dialer is a device of an accepted contact; any other is
 * refused with the reason, counted, and the last few refusals kept for {@code whoami}.
 */
public final class ApprovalGate implements StreamGate {
  /** Refusals remembered for display. */
  static final int RECENT = 8;

  private final Predicate<NodeId> acceptedDevice;
  private final AtomicLong refused = new AtomicLong();
  private final Deque<String> recent = new ArrayDeque<>();

  /** Let in the devices {@code acceptedDevice} names besides public and allow-listed ones. */
  public ApprovalGate(Predicate<NodeId> acceptedDevice) {
    this.acceptedDevice = acceptedDevice;
  }

  @Override
  public Optional<String> refusal(NodeId peer, String service, Exposure exposure) {
    if (exposure.isPublic() || exposure.allows(peer) || acceptedDevice.test(peer)) {
      return Optional.empty();
    }
    String reason = "node " + peer + " is not a device of an accepted contact and not on the"
        + " allow-list of '" + service + "'";
    refused.incrementAndGet();
    synchronized (recent) {
      if (recent.size() >= RECENT) {
        recent.removeFirst();
      }
      recent.addLast(reason);
    }
    return Optional.of(reason);
  }

  /** Return how many streams were refused. */
  public long refused() {
    return refused.get();
  }

  /** Return the last refusals, oldest first. */
  public List<String> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }
}
