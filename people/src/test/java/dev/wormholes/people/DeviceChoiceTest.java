package dev.wormholes.people;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which device of a person is tried first (fake clock, seconds). */
class DeviceChoiceTest {
  private final NodeId phone = id(1);
  private final NodeId laptop = id(2);
  private final NodeId desktop = id(3);
  private final List<NodeId> devices = List.of(phone, laptop, desktop);
  private final DeviceChoice choice = new DeviceChoice();

  private static NodeId id(int b) {
    byte[] x = new byte[NodeId.BYTES];
    x[0] = (byte) b;
    return NodeId.of(x);
  }

  @Test
  void withNothingKnownTheKeyLogOrderIsKept() {
    assertEquals(devices, choice.order(devices, 0));
  }

  @Test
  void aDeviceThatDidNotAnswerGoesLastForAMinuteThenBackInLogOrder() {
    choice.onFailure(phone, 100);
    assertEquals(List.of(laptop, desktop, phone), choice.order(devices, 100));
    assertEquals(List.of(laptop, desktop, phone), choice.order(devices, 100 + DeviceChoice.FAILED_FOR_SECONDS - 1));
    assertEquals(devices, choice.order(devices, 100 + DeviceChoice.FAILED_FOR_SECONDS));
    // Two failed: the one that failed longest ago is tried before the other.
    choice.onFailure(laptop, 200);
    choice.onFailure(phone, 210);
    assertEquals(List.of(desktop, laptop, phone), choice.order(devices, 220));
  }

  @Test
  void theDeviceThatAnsweredLastIsTriedFirstUntilItFails() {
    choice.onFailure(phone, 10);
    choice.onAnswer(desktop, 11);
    assertEquals(List.of(desktop, laptop, phone), choice.order(devices, 12));
    choice.onAnswer(laptop, 13);
    assertEquals(List.of(laptop, desktop, phone), choice.order(devices, 14));
    choice.onFailure(laptop, 15);
    assertEquals(List.of(desktop, phone, laptop), choice.order(devices, 16 + DeviceChoice.FAILED_FOR_SECONDS - 10));
    // A device the log no longer names is never offered, whatever is remembered of it.
    assertEquals(List.of(desktop, phone), choice.order(List.of(phone, desktop), 20));
  }

  @Test
  void theTableIsBoundedForgettingTheLeastRecentlyReported() {
    choice.onAnswer(desktop, 0);
    for (int i = 0; i < DeviceChoice.MAX_TRACKED + 10; i++) {
      byte[] x = new byte[NodeId.BYTES];
      x[1] = (byte) (i >> 8);
      x[2] = (byte) i;
      x[3] = 7;
      choice.onFailure(NodeId.of(x), 1000 + i);
    }
    assertEquals(DeviceChoice.MAX_TRACKED, choice.tracked());
    assertEquals(devices, choice.order(devices, 5000)); // desktop's answer was forgotten
  }
}
