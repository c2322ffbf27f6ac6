package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class TrustedSourcesTest {
  private final InetSocketAddress member = new InetSocketAddress("127.0.0.1", 4000);

  @Test
  void sourcesAreTrustedForAWhileAfterADatagramOpensAndTheTableIsBounded() {
    TrustedSources t = new TrustedSources();
    assertEquals(TrustedSources.Verdict.STRANGER, t.charge(member, 0));
    t.opened(member, 1_000);
    assertEquals(TrustedSources.Verdict.WITHIN, t.charge(member, 1_000 + TrustedSources.TTL_MS - 1));
    assertEquals(TrustedSources.Verdict.STRANGER, t.charge(member, 1_000 + TrustedSources.TTL_MS));
    t.opened(member, 2_000);
    for (int port = 1; port <= TrustedSources.MAX; port++) {
      t.opened(new InetSocketAddress("127.0.0.2", port), 2_000);
    }
    assertEquals(TrustedSources.MAX, t.size());
    assertEquals(TrustedSources.Verdict.STRANGER, t.charge(member, 2_000), "the least recently trusted went first");
  }

  @Test
  void aTrustedSourceIsHeldToASecondLargerBudget() {
    TrustedSources t = new TrustedSources();
    t.opened(member, 1_000);
    // Someone spoofing the member's address sends as fast as it can, all in one millisecond.
    int within = 0;
    for (int i = 0; i < 3 * (int) TrustedSources.BURST; i++) {
      if (t.charge(member, 1_000) == TrustedSources.Verdict.WITHIN) {
        within++;
      }
    }
    assertEquals((int) TrustedSources.BURST, within);
    assertEquals(2 * (long) TrustedSources.BURST, t.over());
    // A tenth of a second later a tenth of the rate is back, and no more.
    within = 0;
    for (int i = 0; i < (int) TrustedSources.BURST; i++) {
      if (t.charge(member, 1_100) == TrustedSources.Verdict.WITHIN) {
        within++;
      }
    }
    assertEquals((int) (TrustedSources.PER_SECOND / 10), within);
  }
}
