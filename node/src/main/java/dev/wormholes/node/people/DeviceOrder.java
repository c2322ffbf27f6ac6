package dev.wormholes.node.people;

import dev.wormholes.people.DeviceChoice;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The node's one {@link DeviceChoice}, on monotonic seconds: every path that reaches a person's
 * devices (the SOCKS proxy's {@link PetnameDialer}, the whisper driver) asks it for the order and
 * reports each device's outcome to it, so a device that failed on one path goes last on the
 * others too. Thread-safe (the choice is guarded by this).
 */
public final class DeviceOrder {
  private final LongSupplier nowSeconds;
  private final DeviceChoice choice = new DeviceChoice();

  /** Read monotonic seconds ({@link System#nanoTime}), so a wall-clock step moves no device. */
  public DeviceOrder() {
    this(() -> Math.floorDiv(System.nanoTime(), 1_000_000_000L));
  }

  /** Read the time from {@code nowSeconds} (monotonic seconds). */
  public DeviceOrder(LongSupplier nowSeconds) {
    this.nowSeconds = nowSeconds;
  }

  /** Return {@code devices} (in key-log order) in the order to try them now. */
  public synchronized List<NodeId> order(List<NodeId> devices) {
    return choice.order(devices, nowSeconds.getAsLong());
  }

  /** Record that {@code device} answered now. */
  public synchronized void onAnswer(NodeId device) {
    choice.onAnswer(device, nowSeconds.getAsLong());
  }

  /** Record that {@code device} did not answer now. */
  public synchronized void onFailure(NodeId device) {
    choice.onFailure(device, nowSeconds.getAsLong());
  }
}
