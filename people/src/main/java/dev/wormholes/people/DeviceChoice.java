package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which device of a person to try first when a name ({@code SERVICE@PETNAME}, {@code
 * SERVICE.PETNAME.wh}) is dialled: the device that answered last, then the devices that did not
 * fail in the last {@link #FAILED_FOR_SECONDS}, in the order the key log added them, then the ones
 * that did, the longest ago first. The caller tries them in turn until one answers and reports
 * each outcome, starting the next one at once when the ones started all failed, and also when none
 * has answered within {@link #NEXT_DEVICE_AFTER_MS} (so a dead device costs that, not a timeout). Time is handed in (seconds, monotonic); at most {@link #MAX_TRACKED} devices are
 * remembered (the least recently reported forgotten first).
 */
public final class DeviceChoice {
  /** How long a device that failed to answer goes after the others. */
  public static final long FAILED_FOR_SECONDS = 60;
  /**
   * How long a device may take to answer before the next one is tried beside it: a dial that
   * answers at all answers within it (a hole punch or a relay included), a dead device is silent
   * until its whole timeout.
   */
  public static final long NEXT_DEVICE_AFTER_MS = 3_000;
  /** Most devices remembered. */
  public static final int MAX_TRACKED = 1024;

  /** What is known of one device: when it last answered and last failed (Long.MIN_VALUE: never). */
  private record Seen(long answered, long failed) {}

  private static final Seen NEVER = new Seen(Long.MIN_VALUE, Long.MIN_VALUE);

  // In the order of the last report, so the least recently reported is evicted first.
  private final Map<NodeId, Seen> seen = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<NodeId, Seen> eldest) {
      return size() > MAX_TRACKED;
    }
  };

  /** Return {@code devices} (in key-log order) in the order to try them at {@code now}. */
  public List<NodeId> order(List<NodeId> devices, long now) {
    List<NodeId> out = new ArrayList<>(devices);
    Comparator<NodeId> byRank = Comparator.comparingInt(d -> rank(d, now));
    out.sort(byRank.thenComparingLong(d -> rank(d, now) == 0 ? -get(d).answered()
        : rank(d, now) == 2 ? get(d).failed() : 0));
    return out;
  }

  /** Device {@code d} answered at {@code now}. */
  public void onAnswer(NodeId d, long now) {
    Seen s = get(d);
    seen.remove(d);
    seen.put(d, new Seen(now, s.failed()));
  }

  /** Device {@code d} did not answer at {@code now}. */
  public void onFailure(NodeId d, long now) {
    Seen s = get(d);
    seen.remove(d);
    seen.put(d, new Seen(s.answered(), now));
  }

  /** Return how many devices are remembered. */
  public int tracked() {
    return seen.size();
  }

  // 0: answered, and not failed since (a failure in the same second counts as since); 1: nothing recent; 2: failed within FAILED_FOR_SECONDS.
  private int rank(NodeId d, long now) {
    Seen s = get(d);
    boolean failedRecently = s.failed() != Long.MIN_VALUE && now - s.failed() < FAILED_FOR_SECONDS;
    if (s.answered() > s.failed()) {
      return 0;
    }
    return failedRecently ? 2 : 1;
  }

  private Seen get(NodeId d) {
    return seen.getOrDefault(d, NEVER);
  }
}
