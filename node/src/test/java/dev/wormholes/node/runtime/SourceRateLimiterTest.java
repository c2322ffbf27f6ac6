package dev.wormholes.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** Per-source token buckets in a fixed table. */
class SourceRateLimiterTest {
  private static InetAddress ip(int i) throws UnknownHostException {
    return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
  }

  @Test
  void burstThenRefillAtTheRate() throws Exception {
    SourceRateLimiter l = new SourceRateLimiter(1024, 100, 10);
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
    SourceRateLimiter l = new SourceRateLimiter(4096, 100, 10);
    for (int i = 0; i < 10_000; i++) {
      l.allow(ip(1), 1000);
    }
    int others = 0;
    for (int i = 2; i < 200; i++) {
      if (l.allow(ip(i), 1000)) others++;
    }
    assertTrue(others >= 190, "other sources keep their budget (a few may share a slot): " + others);
    for (int i = 0; i < 1_000_000; i++) {
      l.allow(ip(i), 2000 + i / 1000);
    }
    assertEquals(4096, l.slots(), "a million sources use the same fixed table");
  }
}
