package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One try of a person's devices for one thing (a stream, an answer), in the order {@link
 * DeviceChoice} gave: when each device is started, and which outcome ends the try.
 *
 * <p>The rules: the first device at once; the next one at once after each failure, and also
 * beside the running ones when none answered within {@link DeviceChoice#NEXT_DEVICE_AFTER_MS} of
 * the last start (a dead device costs that, not its whole timeout). The first success ends the try ({@link Won}); a success after the end is to be
 * discarded (a late stream closed). A failure the caller calls final (a refusal: the person's
 * answer) ends it at once, and so does the last failure when every device failed ({@link Failed}).
 *
 * <p>Pure: time is handed in (milliseconds on any monotonic clock). The driver starts the devices
 * {@link #poll} returns, hands each one's end to {@link #handleSuccess} or {@link #handleFailure}
 * and calls {@link #poll} again after each, and at {@link #nextWake}, until {@link #outcome} is
 * present. Not thread-safe.
 */
public final class DeviceTry {
  /** How a try ended. */
  public sealed interface Outcome {}

  /** {@code device} succeeded first. */
  public record Won(NodeId device) implements Outcome {}

  /** {@code device}'s failure ended the try: a final one, or the last device's. */
  public record Failed(NodeId device, boolean refused) implements Outcome {}

  private final List<NodeId> order;
  private int started;
  private int running;
  private int owed; // failures whose next device is not started yet
  private long lastStart;
  private Outcome outcome;

  /** Try the devices of {@code order} (not empty). */
  public DeviceTry(List<NodeId> order) {
    if (order.isEmpty()) {
      throw new IllegalArgumentException("no device to try");
    }
    this.order = List.copyOf(order);
  }

  /** Return the devices to start now (each counts as running). */
  public List<NodeId> poll(long now) {
    List<NodeId> out = new ArrayList<>();
    while (outcome == null && started < order.size()
        && (started == 0 || owed > 0 || now >= lastStart + DeviceChoice.NEXT_DEVICE_AFTER_MS)) {
      owed = Math.max(0, owed - 1);
      running++;
      lastStart = now;
      out.add(order.get(started++));
    }
    return out;
  }

  /**
   * Device {@code d} succeeded. Return whether its success is the try's outcome; false: the try
   * ended before, and what {@code d} opened is to be discarded.
   */
  public boolean handleSuccess(NodeId d) {
    running--;
    if (outcome != null) {
      return false;
    }
    outcome = new Won(d);
    return true;
  }

  /**
   * Device {@code d} failed; {@code refused}: a final failure (the person's answer). Return whether
   * this failure ended the try.
   */
  public boolean handleFailure(NodeId d, boolean refused) {
    running--;
    if (outcome != null) {
      return false;
    }
    if (refused || started == order.size() && running == 0) {
      outcome = new Failed(d, refused);
      return true;
    }
    owed++;
    return false;
  }

  /** Return when a device is next due to start beside the running ones, or {@link Long#MAX_VALUE}. */
  public long nextWake() {
    return outcome != null || started == order.size() ? Long.MAX_VALUE
        : owed > 0 ? lastStart : lastStart + DeviceChoice.NEXT_DEVICE_AFTER_MS;
  }

  /** Return how many devices were started. */
  public int started() {
    return started;
  }

  /** Return how the try ended, or empty while it runs. */
  public Optional<Outcome> outcome() {
    return Optional.ofNullable(outcome);
  }
}
