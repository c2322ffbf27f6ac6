package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Rejoin} on a fake clock (ms), polled every 2 s as the daemon's housekeeping does. */
class RejoinTest {
  private static List<Long> tries(Rejoin r, int contacts, long from, long to) {
    List<Long> at = new ArrayList<>();
    for (long now = from; now <= to; now += 2_000) {
      if (r.poll(contacts, 20, true, now) != Rejoin.Action.NONE) {
        at.add(now);
      }
    }
    return at;
  }

  @Test
  void thePublicDhtsScheduleTriesTwoSecondsAfterTheJoinThenWaitsFourSecondsDoublingToAMinute() {
    Rejoin r = new Rejoin(4_000, 60_000, 2_000); // UdpRuntime: joined at 0
    assertEquals(List.of(2_000L, 6_000L, 14_000L, 30_000L, 62_000L, 122_000L, 182_000L), tries(r, 3, 0, 200_000));
  }

  @Test
  void aNetworksScheduleTriesAtOnceThenWaitsTwoSecondsDoublingToHalfAMinute() {
    Rejoin r = new Rejoin(2_000, 30_000, 0); // PrivateNetwork
    assertEquals(List.of(0L, 2_000L, 6_000L, 14_000L, 30_000L, 60_000L, 90_000L), tries(r, 0, 0, 100_000));
  }

  @Test
  void aFullTableResetsTheWaitAndSoonTriesAtOnce() {
    Rejoin r = new Rejoin(2_000, 30_000, 0);
    tries(r, 1, 0, 100_000);
    assertEquals(Rejoin.Action.NONE, r.poll(20, 20, true, 102_000), "k contacts: nothing to do");
    assertEquals(List.of(120_000L, 122_000L, 126_000L), tries(r, 1, 102_000, 128_000), "the wait is 2 s again");
    r.soon(128_000);
    assertEquals(Rejoin.Action.FIND_SELF, r.poll(5, 20, true, 128_000), "some contacts: look up our own id");
    r.soon(130_000);
    assertEquals(Rejoin.Action.BOOTSTRAP, r.poll(0, 20, true, 130_000), "none: bootstrap");
    r.soon(132_000);
    assertEquals(Rejoin.Action.NONE, r.poll(0, 20, false, 132_000), "no seed: nothing, but the try counts");
    assertEquals(132_000 + 30_000, r.nextAt());
  }
}
