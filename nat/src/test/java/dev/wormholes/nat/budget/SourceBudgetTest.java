package dev.wormholes.nat.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** Per-source and per-network token buckets in fixed tables, on a fake clock. */
class SourceBudgetTest {
  private static InetAddress ip(int i) throws UnknownHostException {
    return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
  }

  private static SourceBudget budget(int slots) {
    return new SourceBudget(SourceBudget.Config.perSource(100, 10, slots), 1, 2);
  }

  @Test
  void burstThenRefillAtTheRate() throws Exception {
    SourceBudget l = budget(1024);
    InetAddress a = ip(1);
    int allowed = 0;
    for (int i = 0; i < 50; i++) {
      if (l.allow(a, 1000)) allowed++;
    }
    assertEquals(10, allowed, "a burst of 10, then nothing at the same instant");
    assertFalse(l.allow(a, 1000));
    assertTrue(l.allow(a, 1010), "10 ms at 100/s refill one token");
    assertFalse(l.allow(a, 1010));
  }

  @Test
  void oneFloodingSourceDoesNotStarveOthersAndMemoryIsFixed() throws Exception {
    SourceBudget l = budget(4096);
    for (int i = 0; i < 10_000; i++) {
      l.allow(ip(1), 1000);
    }
    int others = 0;
    for (int i = 1; i < 200; i++) {
      if (l.allow(ip(i << 8), 1000)) others++; // other /24s
    }
    assertTrue(others >= 190, "other networks keep their budget (a few may share a slot): " + others);
    for (int i = 0; i < 1_000_000; i++) {
      l.allow(ip(i), 2000 + i / 1000);
    }
    assertEquals(4096, l.slots(), "a million sources use the same fixed tables");
  }

  @Test
  void aSlash24SharesOneNetworkBudget() throws Exception {
    SourceBudget l = budget(4096);
    int allowed = 0;
    for (int host = 1; host < 255; host++) { // 254 addresses of 10.0.7.0/24, 10 datagrams each
      for (int k = 0; k < 10; k++) {
        if (l.allow(ip((7 << 8) | host), 1000)) allowed++;
      }
    }
    assertEquals(40, allowed, "a /24 gets four sources' burst however many addresses it uses");
  }

  @Test
  void anIpv6Slash64IsOneSource() throws Exception {
    SourceBudget l = budget(4096);
    int allowed = 0;
    for (int host = 1; host <= 100; host++) {
      byte[] b = InetAddress.getByName("2001:db8:1:2::").getAddress();
      b[15] = (byte) host;
      b[12] = (byte) (host * 7);
      if (l.allow(InetAddress.getByAddress(b), 1000)) allowed++;
    }
    assertEquals(10, allowed, "100 addresses of one /64 get one source's burst");
  }
}
