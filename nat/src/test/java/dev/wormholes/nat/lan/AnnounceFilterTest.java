package dev.wormholes.nat.lan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.NodeId;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Unauthenticated LAN announces on a fake clock: what one source and all sources can make us do. */
class AnnounceFilterTest {
  static final long NET = 7;
  final Announce self = new Announce(NET, NodeId.ofWords(1, 1, 1, 1), 7447);

  static InetAddress ip(int a, int b, int c, int d) throws Exception {
    return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }

  AnnounceFilter filter() throws Exception {
    byte[] link = ip(192, 168, 1, 5).getAddress();
    return new AnnounceFilter(self, a -> a.getAddress().length == 4 && java.util.Arrays.equals(a.getAddress(), 0, 3, link, 0, 3));
  }

  static Announce claimed(int i) {
    return new Announce(NET, NodeId.ofWords(9, 9, 9, i), 7447);
  }

  @Test
  void oneSourceClaimingManyIdsGetsAFewReportsPerInterval() throws Exception {
    AnnounceFilter f = filter();
    int reported = 0;
    for (int i = 0; i < 1000; i++) {
      reported += f.accept(claimed(i), ip(192, 168, 1, 66), 1000 + i) ? 1 : 0;
    }
    assertEquals(AnnounceFilter.PER_SOURCE, reported, "ids are free: the source IP is what is limited");
    assertTrue(f.accept(claimed(5000), ip(192, 168, 1, 66), 1000 + AnnounceFilter.INTERVAL_MS), "next interval");
  }

  @Test
  void allSourcesTogetherGetABoundedNumber() throws Exception {
    AnnounceFilter f = filter();
    int reported = 0;
    for (int i = 0; i < 250; i++) {
      reported += f.accept(claimed(i), ip(192, 168, 1, i + 1), 1000) ? 1 : 0;
    }
    assertEquals(AnnounceFilter.PER_INTERVAL, reported);
  }

  @Test
  void offLinkOtherNetworkOwnAndRepeatedAnnouncesAreNotReported() throws Exception {
    AnnounceFilter f = filter();
    assertFalse(f.accept(claimed(1), ip(10, 0, 0, 1), 0), "not on our link");
    assertFalse(f.accept(new Announce(NET + 1, NodeId.ofWords(2, 2, 2, 2), 1), ip(192, 168, 1, 2), 0));
    assertFalse(f.accept(self, ip(192, 168, 1, 5), 0), "our own");
    assertTrue(f.accept(claimed(1), ip(192, 168, 1, 2), 0));
    assertFalse(f.accept(claimed(1), ip(192, 168, 1, 3), 10), "one report per id per interval");
  }
}
